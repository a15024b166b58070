# ctl: filled in by its component
