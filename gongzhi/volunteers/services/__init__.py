"""Every write of the volunteers app but the ledger's own postings (``volunteers/ledger.py``).

``people``: apply, register, verify, reject, suspend volunteers; reveal a number; teams.
``activities``: activities, sign-up and the waiting list, check-in and check-out, hours.
``shop``: the rewards and services of the shop.
"""
