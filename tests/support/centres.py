"""Centres for a test, made through the product's own path: a small allocation table, imported."""
LEVEL_WORDS = {"subdistrict": "街道", "community": "社区", "village": "村"}
HEADER = "编号,中心名称,级别,街道办事处,完成时限,试点,备注"


def import_centres(stack, centres, deadline="2018-12-31"):
    """Import ``centres`` ((id, name, level, office), ...) as an allocation table; its report."""
    rows = [HEADER] + [f"{cid},{name},{LEVEL_WORDS[level]},{office},{deadline},否," for cid, name, level, office in centres]
    response = stack.upload_allocation(content="\n".join(rows).encode("utf-8"), name="centres.csv")
    assert response.status_code == 200, response.text
    return response.json()
