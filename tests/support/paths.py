"""Paths the tests read: the repository and the Jinshui 2017 allocation table."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JINSHUI_CSV = os.path.join(ROOT, "services", "assignment", "data", "jinshui_2017.csv")
