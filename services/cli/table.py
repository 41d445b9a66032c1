"""Plain-text tables that line up with Chinese text (wide characters take two columns)."""
import unicodedata


def width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def pad(text, size):
    text = str(text)
    return text + " " * (size - width(text))


def render(headers, rows):
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    sizes = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(pad(c, s) for c, s in zip(row, sizes)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * s for s in sizes))
    return "\n".join(lines)
