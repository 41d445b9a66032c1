"""Rebuilding the read model from the services' own stores, one page of one office's centres at a time.

The sources are read over RPC in bounded pages (``assignment.centres_after``, then
``milestones.states_of_centres`` and ``inspections.centre_results`` for the same centres), and
applied with the same functions as the events, so a rebuild gives the figures the live model has.
Events that arrive meanwhile are applied between pages; versions decide which state wins.
"""
from services.reporting.projection import Model, set_acceptance, set_centre, set_milestone, set_rectification


def apply_page(store, centres, states, results):
    """Apply one page: centres (assignment), milestone states (milestones), results (inspections)."""
    model = Model(store, None)
    for centre in centres:
        set_centre(model, centre)
    for state in states:
        set_milestone(model, state["centre_id"], state)
    for result in results:
        office = result.get("office")
        if result["accepted"]:
            set_acceptance(model, result["centre_id"], office, accepted=True)
        for inspection_id in result["failed"]:
            set_acceptance(model, result["centre_id"], office, failed_inspection=inspection_id)
        for rect in result["rectifications"]:
            set_rectification(model, {**rect, "centre_id": result["centre_id"]})
    model.flush()
    return len(centres)
