"""One module per checklist step: its id, title, condition, view and the flow needs it serves."""
