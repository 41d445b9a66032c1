"""Project assignment: which centres exist, their level, office, deadline and pilot flag."""
