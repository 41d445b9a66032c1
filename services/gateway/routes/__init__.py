"""Gateway routes, one mixin per area; ``service.py`` composes them."""
