"""Charges, payments, collection rate and the dunning ladder (物业收费及催缴).

Implements SPEC §18a. The package is registered in the navigation shell; its workflows land with
their own issues.
"""
