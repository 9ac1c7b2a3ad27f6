"""Where the classes of :mod:`arrowtap.errors` are defined, one module per group.

Import them from :mod:`arrowtap.errors`, their public home: each class names it
as its ``__module__``, so tracebacks, reprs, pickles and the docs show
``arrowtap.errors.<Name>`` whatever module here defines it.
"""
