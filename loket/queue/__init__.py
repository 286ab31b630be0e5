"""Work carried by Redis and RQ: jobs take ids, reload rows and are safe to run twice."""
