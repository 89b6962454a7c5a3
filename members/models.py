"""The members app owns organisations and the people in them.

The organisation tree, members, mobility and registration, organiser and helper
roles, pairing and contact logs.
"""
