"""The managers' reports: aggregate figures of the store, never a person's data.

`volumes.figures` gives the figures of a range of Amsterdam days from the tallies that
`tally` keeps exact; `tables` turns them into the tables a page prints and a CSV holds,
`charts` draws them as SVG; `capacity` is Erlang C, `plan.plan` turns observed arrivals
into counsellors needed per hour of the week (separate and pooled), `simulation` runs the
routing policy on a staffing (SimPy); `suppression.suppressed` writes 1 to 4 as "<5".
`web` is the pages (Flask); everything else is pure domain code: sessions in, plain data
out, no Flask import.
"""
