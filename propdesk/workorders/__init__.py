"""Repairs and work orders (报修/工程部维修单), warranty routing, quality inspections.

Implements SPEC §15, §16, §18b. The package is registered in the navigation shell; its workflows land with
their own issues.
"""
