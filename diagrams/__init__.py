"""Network topology as a plain model (nodes, groups, edges) and its renderers: no ORM, no Django models."""
