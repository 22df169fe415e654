"""Complaints and feedback (投诉处理): intake, deadlines, contact sheets, replies, callbacks, archive, reports.

Implements SPEC §11, §19, §20 RPT-02..12. The package is registered in the navigation shell; its workflows land with
their own issues.
"""
