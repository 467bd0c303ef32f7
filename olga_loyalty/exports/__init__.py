"""Files in and out: .xlsx written with openpyxl, .xlsx read with python-calamine, CSV."""
