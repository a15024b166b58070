# gateway: filled in by its component
