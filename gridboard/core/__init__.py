"""Pure building blocks with no database and no UI: settings (config), the data contract (schema),
periods, the metric catalogue, labels and strings (i18n), number formatting (fmt), safe file
writing (export) and accounts (auth). Everything else may import core; core imports nothing above it.
"""
