"""The implementations of `adtrail` commands; cli.py parses arguments and dispatches to them."""
