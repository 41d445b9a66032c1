"""The public residents' survey page (/s/<centre_id>): server-rendered, phone-first, Chinese, no login,
no scripts or fonts from elsewhere (CDN-free), and the QR code PNG that points to it."""
import html
import io

import qrcode
from qrcode.image.pure import PyPNGImage

STYLE = """
*{box-sizing:border-box}body{margin:0;font:16px/1.6 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;
background:#f5f6f7;color:#222}main{max-width:560px;margin:0 auto;padding:16px}
h1{font-size:20px;margin:8px 0}p.sub{color:#666;margin:0 0 12px}
fieldset{border:0;background:#fff;border-radius:10px;margin:0 0 12px;padding:12px}
legend{font-weight:600;padding:0;margin-bottom:6px;float:left;width:100%}
.stars{display:flex;gap:6px;clear:both}.stars label{flex:1;text-align:center;border:1px solid #ccd;border-radius:8px;
padding:10px 0;background:#fafbff}.stars input{position:absolute;opacity:0}
.stars input:checked+span{color:#fff}.stars label:has(input:checked){background:#1989fa;border-color:#1989fa;color:#fff}
textarea{width:100%;min-height:90px;border:1px solid #ccd;border-radius:8px;padding:8px;font:inherit}
button{width:100%;padding:14px;font-size:18px;border:0;border-radius:10px;background:#1989fa;color:#fff}
.hp{position:absolute;left:-5000px;height:0;overflow:hidden}.err{background:#fff1f0;color:#c0392b;
border-radius:8px;padding:10px;margin-bottom:12px}.ok{background:#f0fff4;color:#1e7e34;border-radius:8px;padding:16px}
small{color:#888}
"""
SCALE = ((1, "很不满意"), (2, "不满意"), (3, "一般"), (4, "满意"), (5, "很满意"))


def _page(title, body, status=200):
    text = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>")
    return status, text


def form_page(form, errors=None, values=None, status=200):
    centre, values = form["centre"], values or {}
    esc = html.escape
    parts = ["<h1>{}</h1>".format(esc(centre["name"])),
             "<p class=\"sub\">{} · 群众满意度评价（匿名，约 1 分钟）</p>".format(esc(centre["office"]))]
    if errors:
        parts.append("<div class=\"err\" role=\"alert\">{}</div>".format("<br>".join(esc(e) for e in errors)))
    parts.append("<form method=\"post\" action=\"/s/{}\">".format(esc(centre["id"])))
    for q in form["questions"]:
        chosen = str(values.get(q["key"], ""))
        options = "".join(
            "<label><input type=\"radio\" name=\"{k}\" value=\"{v}\"{c} required><span>{v}<br><small>{t}</small>"
            "</span></label>".format(k=esc(q["key"]), v=v, t=t, c=" checked" if chosen == str(v) else "")
            for v, t in SCALE)
        parts.append("<fieldset><legend>{}</legend><div class=\"stars\">{}</div></fieldset>".format(
            esc(q["text"]), options))
    parts.append("<fieldset><legend>意见建议（选填，请勿填写姓名、电话等个人信息）</legend>"
                 "<textarea name=\"comment\" maxlength=\"500\">{}</textarea></fieldset>".format(
                     esc(values.get("comment", ""))))
    parts.append("<div class=\"hp\" aria-hidden=\"true\"><label>网址<input name=\"website\" tabindex=\"-1\" "
                 "autocomplete=\"off\"></label></div>")
    parts.append("<input type=\"hidden\" name=\"token\" value=\"{}\">".format(esc(form["token"])))
    parts.append("<button type=\"submit\">提交评价</button></form>")
    parts.append("<p><small>本评价依据《金水区推进基层综合性文化服务中心建设工作实施方案》四（四）开展群众满意度测评；"
                 "不记录您的身份信息，同一设备每天可评价一次。</small></p>")
    return _page("群众满意度评价 - " + centre["name"], "".join(parts), status)


def thanks_page(centre_name):
    return _page("感谢您的评价", f"<div class=\"ok\"><h1>感谢您的评价！</h1><p>您对“{html.escape(centre_name)}”的意见已收到，"
                 "我们会认真改进服务。</p></div>")


def message_page(title, message, status):
    return _page(title, f"<div class=\"err\">{html.escape(message)}</div>", status)


def qr_png(url):
    """A printable PNG (about 4 cm at 300 dpi) of ``url``, made with pypng (no Pillow)."""
    image = qrcode.make(url, image_factory=PyPNGImage, box_size=12, border=4,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()
