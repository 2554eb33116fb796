"""Host pages: thin views that parse a form, call one service and render."""
