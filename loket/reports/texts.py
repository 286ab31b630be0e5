"""The texts of the managers' report pages, Dutch and English (merged into the staff texts:
templates read them as `dt(key)`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "nav_reports": {"nl": "Rapportages", "en": "Reports"},
    "nav_capacity": {"nl": "Capaciteitsplan", "en": "Capacity plan"},
    "rep_title": {"nl": "Rapportage {start} t/m {end}", "en": "Report {start} to {end}"},
    # Before a page's title when its filters were refused, as on the public error pages.
    "rep_error_prefix": {"nl": "Fout:", "en": "Error:"},
    "rep_scope_all": {"nl": "Alle desks", "en": "All desks"},
    "rep_scope_desk": {"nl": "Desk: {desk}", "en": "Desk: {desk}"},
    "rep_scope_channel": {"nl": "Kanaal: {channel}", "en": "Channel: {channel}"},
    "rep_filters": {"nl": "Periode en selectie", "en": "Period and selection"},
    "rep_from": {"nl": "Van", "en": "From"},
    "rep_to": {"nl": "Tot en met", "en": "To (included)"},
    "rep_desk": {"nl": "Desk", "en": "Desk"},
    "rep_channel": {"nl": "Kanaal", "en": "Channel"},
    "rep_all": {"nl": "Alle", "en": "All"},
    "rep_show": {"nl": "Toon", "en": "Show"},
    "rep_last_month": {"nl": "Vorige maand", "en": "Last month"},
    "rep_this_month": {"nl": "Deze maand", "en": "This month"},
    "rep_small": {
        "nl": "Aantallen van 1 tot 4 staan er als \u201c<5\u201d, zodat niemand te herkennen "
              "is; een streepje staat voor een aantal dat is weggelaten omdat er met het "
              "totaal een \u201c<5\u201d uit terug te rekenen zou zijn. Dagen zijn "
              "kalenderdagen in Nederlandse tijd.",
        "en": "Counts from 1 to 4 are shown as \u201c<5\u201d so that no one can be singled "
              "out; a dash stands for a count left out because with the total it would give a "
              "\u201c<5\u201d back. Days are calendar days in Dutch time.",
    },
    "rep_csv": {"nl": "Download {name} als CSV", "en": "Download {name} as CSV"},
    "rep_csv_all": {"nl": "Alle cijfers als CSV", "en": "All figures as CSV"},
    "rep_key_figures": {"nl": "Kerncijfers", "en": "Key figures"},
    "rep_total": {"nl": "Contacten", "en": "Contacts"},
    "rep_crisis": {"nl": "Crisis", "en": "Crisis"},
    "rep_overflow": {"nl": "Overloop", "en": "Overflow"},
    "rep_pooled": {"nl": "In de pool", "en": "Pooled"},
    "rep_level": {"nl": "Op tijd opgenomen (telefoon)", "en": "Answered in time (phone)"},
    "rep_not_given": {"nl": "\u2013", "en": "\u2013"},
    "rep_per_day": {"nl": "Contacten per dag", "en": "Contacts per day"},
    "rep_day": {"nl": "Dag", "en": "Day"},
    "rep_by_channel": {"nl": "Per kanaal", "en": "By channel"},
    "rep_by_desk": {"nl": "Per desk (eigenaar)", "en": "By desk (owner)"},
    "rep_by_queue": {"nl": "Per wachtrij (wie hielp)", "en": "By queue (who served)"},
    "rep_overflow_ways": {"nl": "Overloop per richting", "en": "Overflow by direction"},
    "rep_direction": {"nl": "Van \u2192 naar", "en": "From \u2192 to"},
    "rep_outcomes": {"nl": "Afloop", "en": "Outcomes"},
    "rep_outcome": {"nl": "Afloop", "en": "Outcome"},
    "rep_heat": {"nl": "Contacten per uur van de week", "en": "Contacts by hour of the week"},
    "rep_hour": {"nl": "Uur", "en": "Hour"},
    "rep_count": {"nl": "Aantal", "en": "Count"},
    "rep_name": {"nl": "Wat", "en": "What"},
    "rep_service": {"nl": "Service aan de telefoon", "en": "Service on the phone"},
    "rep_service_note": {
        "nl": "Van alle bellers die in een wachtrij kwamen \u2013 opgenomen of opgehangen, "
              "ook wie binnen de streeftijd ophing \u2013 het deel dat binnen de streeftijd "
              "werd opgenomen (crisis {crisis} s, anders {other} s). Een deel, wachttijd of "
              "totaal dat een aantal onder de vijf zou verraden staat er niet (\u2013).",
        "en": "Of all callers who waited in a queue \u2013 answered or hung up, including "
              "those who hung up within the target \u2013 the share answered within the "
              "target (crisis {crisis} s, otherwise {other} s). A share, wait or total that "
              "would give away a count under five is not shown (\u2013).",
    },
    "rep_class": {"nl": "Soort", "en": "Kind"},
    "rep_class_crisis": {"nl": "Crisis", "en": "Crisis"},
    "rep_class_other": {"nl": "Overig", "en": "Other"},
    "rep_class_all": {"nl": "Alle", "en": "All"},
    "rep_answered": {"nl": "Opgenomen", "en": "Answered"},
    "rep_abandoned": {"nl": "Opgehangen", "en": "Abandoned"},
    "rep_within": {"nl": "Binnen streeftijd", "en": "Within target"},
    "rep_share": {"nl": "Servicelevel", "en": "Service level"},
    "rep_waits": {"nl": "Wachttijden", "en": "Waiting times"},
    "rep_median": {"nl": "Mediaan (s)", "en": "Median (s)"},
    "rep_p90": {"nl": "90e percentiel (s)", "en": "90th percentile (s)"},
    "rep_wait_answered": {"nl": "Tot opnemen", "en": "Until answered"},
    "rep_wait_abandoned": {"nl": "Tot ophangen", "en": "Until hung up"},
    "rep_callbacks": {"nl": "Terugbelverzoeken", "en": "Callbacks"},
    "rep_cb_requested": {"nl": "Gevraagd", "en": "Requested"},
    "rep_cb_reached": {"nl": "Bereikt", "en": "Reached"},
    "rep_cb_in_window": {"nl": "Bereikt binnen het gevraagde tijdvak",
                       "en": "Reached within the window asked for"},
    "rep_cb_unreachable": {"nl": "Onbereikbaar na alle pogingen",
                         "en": "Unreachable after every attempt"},
    "rep_cb_missed": {"nl": "Tijdvak verstreken zonder poging", "en": "Window passed unserved"},
    "rep_cb_attempts": {"nl": "Gebelde pogingen", "en": "Calls placed"},
    "rep_cb_by_attempts": {"nl": "Bereikt bij poging {n}", "en": "Reached at attempt {n}"},
    "rep_cb_crisis_kept": {"nl": "Crisiscontacten bewaard om direct terug te bellen",
                           "en": "Crisis contacts kept to be called back at once"},
    "rep_cb_crisis_kept_reached": {"nl": "Daarvan teruggebeld en bereikt",
                                   "en": "Of these, called back and reached"},
    "rep_cb_note": {
        "nl": "Gevraagd: de terugbelverzoeken die mensen zelf deden. Een crisisbeller die "
              "ophing in de wachtrij of iemand in crisis die STOP stuurde, vroeg niet om "
              "terugbellen: die telt apart, als crisiscontact bewaard om direct terug te "
              "bellen.",
        "en": "Requested: the callbacks people asked for themselves. A crisis caller who "
              "hung up in the queue, or a person in crisis who sent STOP, did not ask to be "
              "called back: they count apart, as crisis contacts kept to be called back at "
              "once.",
    },
    "rep_bad_date": {
        "nl": "{field}: geef een datum als 2026-11-30",
        "en": "{field}: give a date such as 2026-11-30",
    },
    "rep_bad_range": {
        "nl": "Van: {start} ligt na tot en met {end}",
        "en": "From: {start} is after to {end}",
    },
    "rep_too_long": {
        "nl": "Tot en met: hooguit {days} dagen na van",
        "en": "To: at most {days} days after from",
    },
    "rep_bad_choice": {"nl": "{field}: onbekende keuze", "en": "{field}: unknown choice"},
    "rep_unknown_table": {"nl": "Deze tabel bestaat niet.", "en": "There is no such table."},
    "weekday_0": {"nl": "ma", "en": "Mon"},
    "weekday_1": {"nl": "di", "en": "Tue"},
    "weekday_2": {"nl": "wo", "en": "Wed"},
    "weekday_3": {"nl": "do", "en": "Thu"},
    "weekday_4": {"nl": "vr", "en": "Fri"},
    "weekday_5": {"nl": "za", "en": "Sat"},
    "weekday_6": {"nl": "zo", "en": "Sun"},
    "outcome_handed_over": {"nl": "Overgedragen", "en": "Handed over"},
    "outcome_callback_failed": {"nl": "Terugbellen mislukt", "en": "Callback failed"},
    "outcome_abandoned": {"nl": "Opgehangen in de wachtrij", "en": "Hung up while waiting"},
    "outcome_no_answer": {"nl": "Geen gehoor", "en": "No answer"},
    "outcome_wrong_number": {"nl": "Verkeerd nummer", "en": "Wrong number"},
    "outcome_erased": {"nl": "Gewist", "en": "Erased"},
    "desk_none": {"nl": "(nog) geen", "en": "none (yet)"},
    "outcome_open": {"nl": "Nog open", "en": "Still open"},
    "cap_title": {"nl": "Capaciteitsplan", "en": "Capacity plan"},
    "cap_saves": {
        "nl": "Bij het huidige servicedoel ({level}% binnen {target} s) hebben de desks samen "
              "\u2013 \u2019s nachts, in het weekend en bij overloop \u2013 "
              "{hours} hulpverlener-uren per week minder nodig: {pooled} in plaats van "
              "{separate}. Dat is een week zonder feestdagen.",
        "en": "At the current service target ({level}% within {target} s), pooling the desks "
              "at night, at weekends and by overflow needs {hours} "
              "counsellor-hours a week fewer: {pooled} instead of {separate}. That is a week "
              "without public holidays.",
    },
    "cap_holidays": {
        "nl": "Feestdagen van {start} t/m {end}: {days}. Daarop werken de desks {hours} uur "
              "extra samen; dat scheelt in totaal nog {saved} hulpverlener-uren.",
        "en": "Public holidays from {start} to {end}: {days}. They pool {hours} hours more, "
              "which saves {saved} counsellor-hours more in all.",
    },
    "cap_same_people": {
        "nl": "Met dezelfde mensen als apart geeft samenwerken een servicelevel van {pooled}% "
              "in plaats van {separate}%.",
        "en": "With the same people as separate, pooling gives a service level of {pooled}% "
              "instead of {separate}%.",
    },
    "cap_no_saving": {
        "nl": "Bij het huidige servicedoel ({level}% binnen {target} s) scheelt samenwerken "
              "in deze weken geen hulpverlener-uren.",
        "en": "At the current service target ({level}% within {target} s), pooling saves no "
              "counsellor-hours in these weeks.",
    },
    "cap_basis": {
        "nl": "Uit de contacten van {weeks} weken ({start} t/m {end}): per desk en per uur "
              "van de week het gemiddelde aantal contacten en de gemiddelde gespreksduur, "
              "met Erlang C. Eén contact telt ten hoogste {cap} uur gespreksduur: een "
              "tekstgesprek dat dagen openstond, kostte niet dagen werk.",
        "en": "From the contacts of {weeks} weeks ({start} to {end}): per desk and hour of "
              "the week the mean number of contacts and the mean handle time, with Erlang C. "
              "One contact counts at most {cap} hours of handle time: a text conversation "
              "left open for days did not take days of work.",
    },
    "cap_aht_fallback": {
        "nl": "Een uur met minder dan vijf gesprekken met een bekende duur rekent met de "
              "gemiddelde gespreksduur van zijn desk, of met {default} s als ook de desk er "
              "te weinig heeft: zo weinig gesprekken geven geen betrouwbaar gemiddelde en "
              "zouden iemand herkenbaar maken.",
        "en": "An hour with fewer than five conversations of known length takes its desk's "
              "mean handle time, or {default} s where the desk too has too few: so few give "
              "no reliable mean and would single someone out.",
    },
    "cap_weeks": {"nl": "Weken", "en": "Weeks"},
    "cap_target": {"nl": "Streeftijd (s)", "en": "Target (s)"},
    "cap_level": {"nl": "Servicedoel (deel, 0,5 tot 0,99)",
                  "en": "Service goal (share, 0.5 to 0.99)"},
    "cap_shrinkage": {"nl": "Tijd niet aan de desk (deel, 0 tot 0,9)",
                      "en": "Shrinkage (share, 0 to 0.9)"},
    "cap_shrinkage_hint": {
        "nl": "Het deel van de betaalde tijd dat een hulpverlener niet aan de desk zit: "
              "pauzes, scholing, overleg, verlof, ziekte. Het plan telt de mensen aan de "
              "desk; in te roosteren zijn er zoveel gedeeld door (1 − dit deel).",
        "en": "The share of paid time a counsellor is not at the desk: breaks, training, "
              "meetings, leave, sickness. The plan counts the people at the desk; those to "
              "roster are that many divided by (1 − this share).",
    },
    "cap_rostered": {
        "nl": "Met {shrinkage}% van de tijd niet aan de desk zijn per week {separate} "
              "hulpverlener-uren in te roosteren apart, {pooled} samen.",
        "en": "With {shrinkage}% of the time away from the desk, {separate} counsellor-hours "
              "a week are to be rostered separate, {pooled} pooled.",
    },
    "cap_occupancy_cap": {
        "nl": "Het plan vraagt hulpverleners hoogstens {cap}% van hun tijd aan de desk met "
              "contacten bezig te zijn, ook waar het servicedoel met minder mensen gehaald "
              "wordt.",
        "en": "The plan asks counsellors to be busy with contacts at most {cap}% of their "
              "time at the desk, also where fewer people would meet the service target.",
    },
    "cap_raised": {
        "nl": "De bezettingsgrens van {cap}% vraagt {separate} hulpverlener-uren per week meer "
              "dan het servicedoel alleen als de desks apart werken, {pooled} meer als ze "
              "samenwerken; bij de tabellen per uur staat welke uren dat zijn.",
        "en": "The occupancy cap of {cap}% asks {separate} counsellor-hours a week more than "
              "the service target alone with the desks separate, {pooled} more with the "
              "desks pooled; the tables per hour say which hours.",
    },
    "cap_not_raised": {
        "nl": "De bezettingsgrens van {cap}% verhoogt in dit plan geen enkel uur: het "
              "servicedoel alleen vraagt evenveel hulpverleners.",
        "en": "The occupancy cap of {cap}% raises no hour in this plan: the service target "
              "alone asks as many counsellors.",
    },
    "cap_raised_hours": {
        "nl": "Hoger door de bezettingsgrens ({cap}%): {hours}.",
        "en": "Raised by the occupancy cap ({cap}%): {hours}.",
    },
    "cap_pool_shared": {
        "nl": "De gezamenlijke wachtrij bemensen politie en veteranen samen; de uren ervan "
              "horen niet bij \u00e9\u00e9n desk en zijn daarom niet bij die van uw desk "
              "opgeteld.",
        "en": "Police and veterans staff the shared queue together; its hours belong to "
              "neither desk alone and are not added to your desk's.",
    },
    "cap_desk_rostered": {
        "nl": "Met {shrinkage}% van de tijd niet aan de desk zijn per week {separate} "
              "hulpverlener-uren in te roosteren apart, {pooled} samen, en {pool} voor de "
              "gezamenlijke wachtrij.",
        "en": "With {shrinkage}% of the time away from the desk, {separate} counsellor-hours "
              "a week are to be rostered separate, {pooled} pooled, and {pool} for the shared "
              "queue.",
    },
    "cap_occupancy_cap_field": {"nl": "Hoogste bezetting (deel, 0,5 tot 1)",
                                "en": "Occupancy cap (share, 0.5 to 1)"},
    "cap_desk_hours": {
        "nl": "Voor {level}% binnen {target} s heeft {desk} {separate} hulpverlener-uren per "
              "week nodig als de desks apart werken, {pooled} als ze samenwerken.",
        "en": "For {level}% within {target} s, {desk} needs {separate} counsellor-hours a "
              "week with the desks separate, {pooled} with the desks pooled.",
    },
    "cap_desk_pool": {
        "nl": "Samen bemensen politie en veteranen daarnaast de gezamenlijke wachtrij (nacht "
              "en weekend): {pool} hulpverlener-uren per week.",
        "en": "Pooled, police and veterans also staff the shared queue (nights and weekends): "
              "{pool} counsellor-hours a week.",
    },
    "cap_desk_only": {
        "nl": "U ziet uw eigen desk en wat die met de gezamenlijke wachtrij deelt; het plan "
              "van alle desks samen ziet een manager zonder eigen desk.",
        "en": "You see your own desk and what it shares in the pool; a manager of no one desk "
              "sees the plan of all desks together.",
    },
    "cap_occupancy": {
        "nl": "Bezetting: de hulpverleners van het plan zijn {separate}% van hun tijd aan de "
              "desk bezig met contacten als de desks apart werken, {pooled}% samen.",
        "en": "Occupancy: the plan's counsellors are busy with contacts {separate}% of their "
              "time at the desk with the desks separate, {pooled}% pooled.",
    },
    "cap_data_since": {
        "nl": "Let op: er zijn pas contacten sinds {since}. De {weeks} weken van dit plan "
              "tellen de weken daarvoor mee als weken zonder contacten, dus vraagt het te "
              "weinig mensen. Weken: kies hooguit {enough}.",
        "en": "Note: there are contacts only since {since}. The {weeks} weeks of this plan "
              "count the weeks before as weeks without contacts, so it asks too few people. "
              "Weeks: choose {enough} at most.",
    },
    "cap_hours": {"nl": "Hulpverlener-uren per week", "en": "Counsellor-hours a week"},
    "cap_queue": {"nl": "Wachtrij", "en": "Queue"},
    "cap_separate": {"nl": "Apart", "en": "Separate"},
    "cap_pooled": {"nl": "Samen", "en": "Pooled"},
    "cap_all": {"nl": "Totaal", "en": "Total"},
    "cap_need_separate": {"nl": "Nodig per uur, desks apart",
                          "en": "Needed per hour, desks separate"},
    "cap_need_pooled": {"nl": "Nodig per uur, desks samen", "en": "Needed per hour, desks pooled"},
    "cap_bad_number": {"nl": "{field}: geef een getal van {low} tot {high}",
                       "en": "{field}: give a number from {low} to {high}"},
}
