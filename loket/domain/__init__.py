"""The domain: what Loket does with contacts, conversations, callbacks, audit and access.

Every row is written here (or in `loket.store`), through the ORM session. Functions take the
session keyword-only and commit nothing: the caller's unit of work commits once
(`loket.store.db.unit_of_work`). No Flask here: testable without HTTP.
"""
