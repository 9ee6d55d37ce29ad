"""The pages of the adtrail app, one module per page; app.py routes to them."""
