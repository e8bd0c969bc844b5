"""The citizen map's data: the compact payload, its rows, tiles, clusters and points."""
