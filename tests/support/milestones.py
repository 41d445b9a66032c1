"""Milestones through the HTTP API, for the test modules that read and report them."""

OFFICE = "丰庆路街道"


def milestones(stack, centre_id, role="admin", office=None, **params):
    response = stack.get(f"/api/centres/{centre_id}/milestones", role=role, office=office, params=params)
    assert response.status_code == 200, response.text
    return {m["key"]: m for m in response.json()["milestones"]}


def history(stack, centre_id):
    response = stack.get(f"/api/centres/{centre_id}/history")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def report(stack, centre_id, key, role="office", office=OFFICE, files=None, **fields):
    url = f"/api/centres/{centre_id}/milestones/{key}/progress"
    if files is None:
        return stack.post(url, role=role, office=office, json=fields)
    return stack.post(url, role=role, office=office, data=fields, files=files)
