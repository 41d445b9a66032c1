"""The read model's figures through the API, and a progress report made as an office (integration tests)."""
OFFICE = "丰庆路街道"
TOTAL = 100 * 6 + 5 * 8  # milestones of the Jinshui table: 100 centres of 6, 5 pilot centres of 8


def progress(stack, **params):
    response = stack.get("/api/progress", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def report(stack, centre_id, key, office=OFFICE, **fields):
    url = f"/api/centres/{centre_id}/milestones/{key}/progress"
    response = stack.post(url, role="office", office=office, json={"based_on_version": 1, **fields})
    assert response.status_code == 200, response.text
    return response.json()
