"""Protocol-faithful fake servers and a pytest plugin, shipped so users can test offline."""
