"""The service classes of this tree, for the tests that start them."""
import importlib

SERVICE_NAMES = ("assignment", "milestones", "inspections", "notifications", "reporting", "indicators", "gateway")


def service_classes(names=SERVICE_NAMES):
    """The service classes that exist in this tree, by package name."""
    classes = []
    for name in names:
        try:
            module = importlib.import_module(f"services.{name}.service")
        except ModuleNotFoundError as exc:
            if exc.name == f"services.{name}.service" or exc.name == f"services.{name}":
                continue
            raise
        classes.extend(obj for obj in vars(module).values()
                       if isinstance(obj, type) and getattr(obj, "name", None) == name and obj.__module__ == module.__name__)
    return classes
