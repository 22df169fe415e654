"""Resident services (住户服务): move-in, archives, keys, storage, bookings, butler visits.

Implements SPEC §12–§14, §17, §18. The package is registered in the navigation shell; its workflows land with
their own issues.
"""
