"""What the apps share that knows no domain: bulk writing (bulk), CSV output (csv_output) and
reading tabular files with errors that name their place (tabular).

Modules here import Django and the standard library, never one of our apps (the import
contract in .importlinter holds this), so every app may use them.
"""
