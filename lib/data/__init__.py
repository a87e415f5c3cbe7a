"""Defaults that are data, in one folder: the report criteria (`default_criteria.csv`, equal to the seed
report), the default monitoring indicators (`default_indicators.csv`), and the sample plan
(`plan_2026.json`) and institutions (`institutions.json`) that the template and the demo workbook are
built from."""
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
CRITERIA_FILE = DATA_DIR / "default_criteria.csv"
INDICATORS_FILE = DATA_DIR / "default_indicators.csv"
PLAN_FILE = DATA_DIR / "plan_2026.json"
INSTITUTIONS_FILE = DATA_DIR / "institutions.json"
