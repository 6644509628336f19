"""What keeps the embargo as things change after set-up: channels and people."""
