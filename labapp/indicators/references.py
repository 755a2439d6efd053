"""Management references of the contract, shown on the budget page and the report."""

MANAGEMENT_REFERENCES = [
    ("BOP-UO", "0349-CDBU-CINT"),
    ("Domaine fonctionnel", "0349-01"),
    ("Code de programmation Chorus", "34901018801 « MI-LabMinnov »"),
]
