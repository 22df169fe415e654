"""Core of PropDesk: tenancy (company → project → building → unit → resident), departments, staff,
roles and posts, access control, the working-time calendar, document numbering, the timeline,
deadlines, notifications, API tokens, jobs and the sweep registry.

Implements SPEC §1 (roles and organisational units), §2 (R-GEN-01..12) and the numbering of §19.
"""
