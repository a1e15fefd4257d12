"""Cross-cutting mechanisms: scoping, working-day calendar, crypto, ids, geo.

Each mechanism is one module and the only implementation of its concern in
the project. ``core`` knows no domain app; apps import it, never the reverse.
"""
