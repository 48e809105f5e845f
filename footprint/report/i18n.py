"""Every label of the report in English and German, in one table.

Producers and market-surveillance authorities in the seed material work in
German, so the report must read properly in both languages.  Keeping every
string in one table (instead of scattered through the HTML code) means a
translation can be reviewed in one place, and a test can check that both
languages have exactly the same keys and placeholders.

Values that come from the declaration (process names, dataset codes, the
declarant) are never translated: they are the producer's own words.
"""
from __future__ import annotations

from typing import Mapping

from footprint.report.errors import ReportError

LANGUAGES: tuple[str, ...] = ("en", "de")
DEFAULT_LANGUAGE = "en"

#: key -> {language -> text}.  ``{name}`` placeholders are filled by :func:`text`.
STRINGS: dict[str, dict[str, str]] = {
    "page_title": {"en": "Environmental footprint declaration \u2014 {product}",
                   "de": "Erklärung zum ökologischen Fußabdruck \u2014 {product}"},
    "kicker": {"en": "Environmental footprint declaration \u2014 Regulation (EU) 2024/1252, Article 31 and Annex V",
               "de": "Erklärung zum ökologischen Fußabdruck \u2014 Verordnung (EU) 2024/1252, Artikel 31 "
                     "und Anhang V"},
    "unnamed_product": {"en": "Unnamed product", "de": "Unbenanntes Produkt"},
    "declaration": {"en": "declaration", "de": "Erklärung"},
    "product": {"en": "Product", "de": "Produkt"},
    "declared_unit": {"en": "Declared unit", "de": "Angegebene Einheit"},
    "grade": {"en": "Grade", "de": "Reinheit/Qualität"},
    "declarant": {"en": "Declarant", "de": "Erklärende Organisation"},
    "reporting_period": {"en": "Reporting period", "de": "Berichtszeitraum"},
    "rule": {"en": "Rule", "de": "Berechnungsvorschrift"},
    "route": {"en": "Route", "de": "Herstellungsweg"},
    "impact_method": {"en": "Impact method", "de": "Wirkungsabschätzungsmethode"},
    "performance_class": {"en": "Performance class", "de": "Leistungsklasse"},
    "verification_status": {"en": "Verification status", "de": "Prüfstatus"},
    "not_verified": {"en": "not verified", "de": "nicht geprüft"},
    "verified": {"en": "verified", "de": "geprüft"},
    "route_primary": {"en": "primary", "de": "primär"},
    "route_secondary": {"en": "secondary", "de": "sekundär (Recycling)"},
    # results
    "declared_results": {"en": "Declared results", "de": "Erklärte Ergebnisse"},
    "no_declared": {"en": "No declared impact categories.", "de": "Keine erklärten Wirkungskategorien."},
    "no_declared_chart": {"en": "No declared impact categories", "de": "Keine erklärten Wirkungskategorien"},
    "results_note": {"en": "Per declared unit: {unit}. \u201cpartial\u201d coverage means some background "
                           "datasets do not characterise this category (see Data quality).",
                     "de": "Je angegebener Einheit: {unit}. \u201eteilweise\u201c bedeutet, dass einige "
                           "Hintergrunddatensätze diese Kategorie nicht charakterisieren (siehe Datenqualität)."},
    "impact_category": {"en": "Impact category", "de": "Wirkungskategorie"},
    "indicator": {"en": "Indicator", "de": "Indikator"},
    "value": {"en": "Value", "de": "Wert"},
    "unit": {"en": "Unit", "de": "Einheit"},
    "coverage": {"en": "Coverage", "de": "Abdeckung"},
    "mineral_resources": {"en": "Elements taken from the ground", "de": "Der Erde entnommene Elemente"},
    "mineral_resources_note": {
        "en": "Per declared unit, from the extraction processes and suppliers' declarations. EF 3.1 "
              "\u201cresource use, minerals and metals\u201d has no factor for the elements marked \u201cnot counted\u201d.",
        "de": "Je angegebener Einheit, aus den Abbauprozessen und den Erklärungen der Lieferanten. EF 3.1 "
              "\u201eRessourcennutzung, Mineralien und Metalle\u201c hat keinen Faktor für die als \u201enicht "
              "gezählt\u201c markierten Elemente."},
    "element": {"en": "Element", "de": "Element"},
    "radionuclides": {"en": "Radionuclides released", "de": "Freigesetzte Radionuklide"},
    "radionuclides_note": {
        "en": "Per declared unit, from the foreground processes. EF 3.1 \u201cionising radiation\u201d has no factor "
              "for the releases marked \u201cnot counted\u201d (thorium-232 among them): they add zero to it.",
        "de": "Je angegebener Einheit, aus den Vordergrundprozessen. EF 3.1 \u201eionisierende Strahlung\u201c hat "
              "keinen Faktor für die als \u201enicht gezählt\u201c markierten Freisetzungen (darunter Thorium-232): "
              "sie tragen nichts bei."},
    "nuclide": {"en": "Nuclide", "de": "Nuklid"},
    "compartment": {"en": "Compartment", "de": "Umweltkompartiment"},
    "amount_kbq": {"en": "kBq per declared unit", "de": "kBq je angegebener Einheit"},
    "ef31_counts_ir": {"en": "EF 3.1 ionising radiation", "de": "EF 3.1 ionisierende Strahlung"},
    "amount_kg": {"en": "kg per declared unit", "de": "kg je angegebener Einheit"},
    "ef31_counts": {"en": "EF 3.1 minerals and metals", "de": "EF 3.1 Mineralien und Metalle"},
    "counted": {"en": "counted", "de": "gezählt"},
    "not_counted": {"en": "not counted (no factor)", "de": "nicht gezählt (kein Faktor)"},
    "crustal_scarcity": {"en": "Crustal scarcity (supplementary indicator, not EF 3.1)",
                         "de": "Krustenknappheit (ergänzender Indikator, nicht EF 3.1)"},
    "missing_flows": {"en": "Missing flows (reason)", "de": "Fehlende Flüsse (Grund)"},
    "coverage_partial": {"en": "partial", "de": "teilweise"},
    "coverage_none": {"en": "none", "de": "keine"},
    "coverage_unknown": {"en": "unknown", "de": "unbekannt"},
    "not_declared_summary": {"en": "Additional information: computed, not declared ({count} {noun})",
                             "de": "Zusätzliche Informationen: berechnet, nicht erklärt ({count} {noun})"},
    "coverage_warning": {"en": "warning: {note}", "de": "Warnung: {note}"},
    # what the declaration covers (schema 2.0)
    "scope": {"en": "What this declaration covers", "de": "Umfang der Erklärung"},
    "system_boundary": {"en": "System boundary", "de": "Systemgrenze"},
    "declared_categories": {"en": "Declared impact categories", "de": "Erklärte Wirkungskategorien"},
    "supplementary_categories": {"en": "Supplementary indicators (declared beside them, not EF 3.1)",
                                 "de": "Ergänzende Indikatoren (daneben erklärt, nicht EF 3.1)"},
    "category_rationale": {"en": "Why these categories", "de": "Begründung der Kategorienwahl"},
    "rule_validity": {"en": "Validity of the rule", "de": "Geltungsdauer der Berechnungsvorschrift"},
    "rule_validity_text": {"en": "{first} to {last}; reporting periods {start} to {end}",
                           "de": "{first} bis {last}; Berichtszeiträume {start} bis {end}"},
    "period_length_text": {"en": ", each {months} months long", "de": ", je {months} Monate lang"},
    "crm_list_version": {"en": "Raw materials list", "de": "Rohstoffliste"},
    "sampling": {"en": "Sampling", "de": "Stichprobenverfahren"},
    "bill_of_materials": {"en": "Bill of materials and energy", "de": "Material- und Energiebilanz"},
    "bom_note": {"en": "Per {per}, allocated to the declared product; flows between the rule's own processes "
                       "are not listed.",
                 "de": "Je {per}, dem erklärten Produkt zugeordnet; Flüsse zwischen den Prozessen der "
                       "Berechnungsvorschrift sind nicht aufgeführt."},
    "bom_inputs": {"en": "Inputs by kind", "de": "Eingänge nach Art"},
    "bom_electricity": {"en": "Electricity by source", "de": "Strom nach Herkunft"},
    "bom_emissions": {"en": "Direct emissions: compartment used", "de": "Direkte Emissionen: verwendetes Kompartiment"},
    "input_kind": {"en": "Input kind", "de": "Eingangsart"},
    "amount": {"en": "Amount", "de": "Menge"},
    "geography": {"en": "Geography", "de": "Geltungsbereich"},
    "renewable_share": {"en": "Renewable share", "de": "Anteil erneuerbar"},
    "not_known": {"en": "not known", "de": "nicht bekannt"},
    "flow": {"en": "Flow", "de": "Fluss"},
    "compartment": {"en": "Compartment", "de": "Kompartiment"},
    "chosen_by": {"en": "Chosen by", "de": "Festgelegt durch"},
    "recycled_content": {"en": "Recycled content", "de": "Rezyklatanteil"},
    "rc_method": {"en": "Method", "de": "Methode"},
    "rc_formula": {"en": "Formula", "de": "Formel"},
    "rc_by_element": {"en": "Recycled share per element", "de": "Rezyklatanteil je Element"},
    "elements_not_stated": {"en": "(not stated: {elements})", "de": "(nicht angegeben: {elements})"},
    "rc_erec": {"en": "Erec per kg recycled", "de": "Erec je kg Rezyklat"},
    "rc_ev": {"en": "Ev per kg recycled", "de": "Ev je kg Rezyklat"},
    "rc_adjustment": {"en": "Recycled-content line", "de": "Zeile Rezyklatanteil"},
    "rc_applied": {"en": "Applied", "de": "Angewendet"},
    "ca_module": {"en": "Conformity-assessment module", "de": "Konformitätsbewertungsmodul"},
    "ca_body": {"en": "Body", "de": "Stelle"},
    "ca_certificate": {"en": "Certificate or statement", "de": "Bescheinigung oder Erklärung"},
    "ca_date": {"en": "Date", "de": "Datum"},
    "category_one": {"en": "category", "de": "Kategorie"},
    "category_many": {"en": "categories", "de": "Kategorien"},
    "not_declared_note": {"en": "Computed for information with the same model; not part of the declaration.",
                          "de": "Mit demselben Modell zur Information berechnet; nicht Teil der Erklärung."},
    # charts
    "contribution_by_stage": {"en": "Contribution by stage", "de": "Beitrag nach Lebenszyklusabschnitt"},
    "stage_chart_alt": {"en": "Horizontal stacked bars: share of each life-cycle stage in each declared "
                              "impact category",
                        "de": "Gestapelte Balken: Anteil jedes Lebenszyklusabschnitts an jeder erklärten "
                              "Wirkungskategorie"},
    "stage_chart_caption": {"en": "Share of each life-cycle stage in the total of each declared category "
                                  "(categories have different units).",
                            "de": "Anteil jedes Lebenszyklusabschnitts am Gesamtwert jeder erklärten Kategorie "
                                  "(die Kategorien haben unterschiedliche Einheiten)."},
    "stage_chart_title": {"en": "Contribution of life-cycle stages to declared impact categories",
                          "de": "Beitrag der Lebenszyklusabschnitte zu den erklärten Wirkungskategorien"},
    "stage_chart_axis": {"en": "share of category total, %", "de": "Anteil am Kategoriegesamtwert, %"},
    "stage_chart_zero": {"en": "total is zero \u2013 no shares", "de": "Gesamtwert null \u2013 keine Anteile"},
    "stage_chart_gross": {"en": "\u2020 contains negative contributions: shares relative to the sum of "
                                "absolute stage contributions",
                          "de": "\u2020 enthält negative Beiträge: Anteile bezogen auf die Summe der "
                                "Beträge der Abschnittsbeiträge"},
    "top_processes": {"en": "Top processes per declared category", "de": "Wichtigste Prozesse je erklärter Kategorie"},
    "process_chart_title": {"en": "Top processes: {category}", "de": "Wichtigste Prozesse: {category}"},
    "process_chart_axis": {"en": "contribution, {unit}", "de": "Beitrag, {unit}"},
    "process_chart_other": {"en": "all other processes ({count})", "de": "alle übrigen Prozesse ({count})"},
    "process_chart_alt": {"en": "Horizontal bars: contribution of the largest processes to {category}",
                          "de": "Balken: Beitrag der größten Prozesse zu {category}"},
    "process_chart_caption": {"en": "The {count} largest processes by absolute contribution (direct emissions "
                                    "plus the upstream of what they buy), in {unit} per declared unit.",
                              "de": "Die {count} größten Prozesse nach Betrag des Beitrags (direkte Emissionen "
                                    "plus Vorkette der eingekauften Güter), in {unit} je angegebener Einheit."},
    # contributions
    "contribution_by_stage_process": {"en": "Contribution by stage and process",
                                      "de": "Beitrag nach Lebenszyklusabschnitt und Prozess"},
    "stage": {"en": "Stage", "de": "Abschnitt"},
    # Annex V life cycle stages (German terms of Anhang V Nummer 4); translated only when the rule
    # uses the standard English label, so a rule's own wording stays as written
    "stage_extraction": {"en": "Extraction", "de": "Gewinnung"},
    "stage_concentration": {"en": "Concentration", "de": "Konzentration"},
    "stage_refining": {"en": "Refining", "de": "Raffination"},
    "stage_recycling": {"en": "Recycling", "de": "Recycling"},
    "process": {"en": "Process", "de": "Prozess"},
    "value_unit": {"en": "Value ({unit})", "de": "Wert ({unit})"},
    "pct_total": {"en": "% of total", "de": "% des Gesamtwerts"},
    "total": {"en": "Total", "de": "Summe"},
    # data quality
    "data_quality": {"en": "Data quality", "de": "Datenqualität"},
    "no_dq": {"en": "No data-quality information.", "de": "Keine Angaben zur Datenqualität."},
    "overall_dqr": {"en": "Overall DQR", "de": "Gesamt-DQR"},
    "primary_data_share": {"en": "Primary data share", "de": "Anteil der Primärdaten"},
    "dqr_basis": {"en": "DQR basis", "de": "Bezugsgröße des DQR"},
    "rating_per_criterion": {"en": "Rating per criterion", "de": "Bewertung je Kriterium"},
    "criterion": {"en": "Criterion", "de": "Kriterium"},
    "meaning": {"en": "Meaning", "de": "Bedeutung"},
    "rating": {"en": "Rating", "de": "Bewertung"},
    "TeR": {"en": "Technological representativeness", "de": "Technologische Repräsentativität"},
    "GeR": {"en": "Geographical representativeness", "de": "Geografische Repräsentativität"},
    "TiR": {"en": "Time representativeness", "de": "Zeitliche Repräsentativität"},
    "P": {"en": "Precision", "de": "Präzision"},
    "dqr_by_process": {"en": "DQR by process", "de": "DQR je Prozess"},
    "annex_v_point": {"en": "Annex V point", "de": "Anhang V Nummer"},
    "data": {"en": "Data", "de": "Daten"},
    "company_specific": {"en": "company-specific", "de": "unternehmensspezifisch"},
    "secondary": {"en": "secondary", "de": "Sekundärdaten"},
    "share": {"en": "Share", "de": "Anteil"},
    "share_of": {"en": "Share of {basis}", "de": "Anteil an {basis}"},
    "share_largest": {"en": "Largest share in a declared category", "de": "Größter Anteil in einer erklärten Kategorie"},
    "dqr_basis_declared": {"en": "most relevant contributions (80 %) of each declared category, equal weight per "
                                 "category; secondary datasets re-scored (GeR, TiR) where used",
                           "de": "wichtigste Beiträge (80 %) jeder erklärten Kategorie, gleich gewichtet; "
                                 "Sekundärdatensätze am Einsatzort neu bewertet (GeR, TiR)"},
    "partial_datasets": {"en": "Datasets with partial coverage or screening data",
                         "de": "Datensätze mit teilweiser Abdeckung oder Screening-Daten"},
    "none": {"en": "None.", "de": "Keine."},
    "dataset": {"en": "Dataset", "de": "Datensatz"},
    "covers_only": {"en": "Covers only", "de": "Deckt nur ab"},
    "screening_data": {"en": "Screening data", "de": "Screening-Daten"},
    "screening": {"en": "screening", "de": "Screening"},
    "no": {"en": "no", "de": "nein"},
    "yes": {"en": "yes", "de": "ja"},
    "no_warnings": {"en": "No data-quality warnings.", "de": "Keine Warnungen zur Datenqualität."},
    "warnings_count": {"en": "Warnings ({count})", "de": "Warnungen ({count})"},
    "unrated": {"en": "unrated", "de": "nicht bewertet"},
    "level_excellent": {"en": "excellent", "de": "ausgezeichnet"},
    "level_very good": {"en": "very good", "de": "sehr gut"},
    "level_good": {"en": "good", "de": "gut"},
    "level_fair": {"en": "fair", "de": "ausreichend"},
    "level_poor": {"en": "poor", "de": "unzureichend"},
    # allocation and cut-off
    "allocation_cut_off": {"en": "Allocation and cut-off", "de": "Allokation und Abschneidekriterien"},
    "allocation": {"en": "Allocation", "de": "Allokation"},
    "method": {"en": "Method", "de": "Methode"},
    "share_declared": {"en": "Share to declared product", "de": "Anteil des erklärten Produkts"},
    "co_products": {"en": "Co-products", "de": "Koppelprodukte"},
    "basis": {"en": "Basis", "de": "Grundlage"},
    "cut_off": {"en": "Cut-off", "de": "Abschneidekriterien"},
    "threshold": {"en": "Threshold", "de": "Schwelle"},
    "excluded": {"en": "Excluded", "de": "Ausgeschlossen"},
    "none_lower": {"en": "none", "de": "keine"},
    "excluded_share": {"en": "estimated share {share}", "de": "geschätzter Anteil {share}"},
    "excluded_share_unknown": {"en": "share not estimated", "de": "Anteil nicht geschätzt"},
    "excluded_kinds": {"en": "inputs {kinds}", "de": "Eingänge {kinds}"},
    # class label
    "class_label_title": {"en": "Performance class", "de": "Leistungsklasse"},
    "class_label_alt": {"en": "Class label: scale {first} to {last}, this declaration is in class {cls}",
                        "de": "Klassenetikett: Skala {first} bis {last}, diese Erklärung liegt in Klasse {cls}"},
    "class_scheme": {"en": "Class scheme", "de": "Klassenschema"},
    "class_category": {"en": "Classified category", "de": "Klassifizierte Kategorie"},
    "class_value": {"en": "Value classified", "de": "Klassifizierter Wert"},
    "class_value_median": {"en": "{classed} (Monte Carlo median; the declared value is {value})",
                           "de": "{classed} (Median der Monte-Carlo-Simulation; der erklärte Wert ist {value})"},
    "class_mark_median": {"en": "median", "de": "Median"},
    "class_thresholds": {"en": "Class thresholds", "de": "Klassengrenzen"},
    "class_probabilities": {"en": "Class probabilities (Monte Carlo)",
                            "de": "Klassenwahrscheinlichkeiten (Monte-Carlo)"},
    "class_lowest": {"en": "lowest impact", "de": "geringste Auswirkung"},
    "class_highest": {"en": "highest impact", "de": "höchste Auswirkung"},
    # verification and provenance
    "verification": {"en": "Verification", "de": "Prüfung"},
    "not_verified_note": {"en": "This declaration carries no verification record; it has not been verified "
                                "by a third party.",
                          "de": "Diese Erklärung enthält keinen Prüfvermerk; sie wurde nicht von Dritten geprüft."},
    "not_a_verification_note": {"en": "The verification record below names no verifier with the status "
                                      "\u201cverified\u201d; it is not a verification.",
                                "de": "Der folgende Prüfvermerk nennt keine Prüfstelle mit dem Status "
                                      "\u201egeprüft\u201c; er ist keine Prüfung."},
    "sensitivity_run": {"en": "Sensitivity run, not a declaration: allocation '{method}' instead of the rule's own "
                              "method ({processes}). It may not be placed on the market, classed or exported.",
                        "de": "Sensitivitätsrechnung, keine Erklärung: Allokation '{method}' statt der Methode der "
                              "Regel ({processes}). Sie darf weder in Verkehr gebracht noch klassifiziert oder "
                              "exportiert werden."},
    "provenance": {"en": "Provenance", "de": "Herkunft und Nachvollziehbarkeit"},
    "declaration_id": {"en": "Declaration id", "de": "Kennung der Erklärung"},
    "content_hash": {"en": "Content hash", "de": "Inhalts-Hash"},
    "created": {"en": "Created", "de": "Erstellt"},
    "schema_version": {"en": "Schema version", "de": "Schemaversion"},
    "input": {"en": "Input", "de": "Eingangsgröße"},
    "reference": {"en": "Reference", "de": "Nachweis"},
    "cf": {"en": "Characterisation factors", "de": "Charakterisierungsfaktoren"},
    "software": {"en": "Software", "de": "Software"},
    "library": {"en": "Library", "de": "Bibliothek"},
    "version": {"en": "Version", "de": "Version"},
    "prov_activity_data": {"en": "Activity data", "de": "Tätigkeitsdaten"},
    "prov_rule": {"en": "Rule", "de": "Berechnungsvorschrift"},
    "prov_inventories": {"en": "Inventories", "de": "Sachbilanzdatensätze"},
    "prov_background": {"en": "Background", "de": "Hintergrunddatenbank"},
    "prov_seed": {"en": "Seed", "de": "Startwert (Seed)"},
    "footer": {"en": "Characterised results per declared unit (EF 3.1); no normalisation or weighting, "
                     "as Annex V point 7 requires.",
               "de": "Charakterisierte Ergebnisse je angegebener Einheit (EF 3.1); keine Normierung oder "
                     "Gewichtung, wie in Anhang V Nummer 7 vorgeschrieben."},
    # the Monte Carlo section and the class-probability bar (footprint/report/uncertainty.py)
    "mc_title": {"en": "Uncertainty (Monte Carlo)", "de": "Unsicherheit (Monte-Carlo-Simulation)"},
    "mc_intro": {"en": "{n} iterations, seed {seed}. The declared values are the deterministic results (Annex V); "
                    "the statistics below describe how far they may be off, given the uncertainty of every amount "
                    "(stated by the producer or derived from its data-quality scores with the pedigree table "
                    "{table}), of the secondary datasets' exchanges and of suppliers' values.",
              "de": "{n} Iterationen, Startwert {seed}. Erklärt werden die deterministischen Ergebnisse (Anhang V); "
                    "die Statistik unten beschreibt, wie weit sie abweichen können, aus der Unsicherheit jeder "
                    "Menge (vom Hersteller angegeben oder aus ihren Datenqualitätswerten mit der Pedigree-Tabelle "
                    "{table} abgeleitet), der Flüsse der Sekundärdatensätze und der Werte der Lieferanten."},
    "mc_category": {"en": "Category", "de": "Kategorie"},
    "mc_declared": {"en": "Declared", "de": "Erklärt"},
    "mc_mean": {"en": "Mean", "de": "Mittelwert"},
    "mc_median": {"en": "Median", "de": "Median"},
    "mc_sd": {"en": "SD", "de": "Std.-abw."},
    "mc_interval": {"en": "95 % interval", "de": "95-%-Intervall"},
    "mc_drivers": {"en": "What drives it: {category}", "de": "Was sie treibt: {category}"},
    "mc_input": {"en": "Input", "de": "Eingangsgröße"},
    "mc_share": {"en": "Share of variance", "de": "Anteil an der Varianz"},
    "mc_rho": {"en": "Spearman ρ", "de": "Spearman ρ"},
    "mc_drivers_note": {"en": "Squared Spearman rank correlation of each input with the result, normalised to 100 %: "
                           "improve the top input's data first.",
                     "de": "Quadrierte Spearman-Rangkorrelation jeder Eingangsgröße mit dem Ergebnis, auf 100 % "
                           "normiert: die Daten der obersten Eingangsgröße zuerst verbessern."},
    "mc_probabilities": {"en": "Class probabilities", "de": "Klassenwahrscheinlichkeiten"},
    "mc_nearest": {"en": "Nearest threshold", "de": "Nächste Klassengrenze"},
    "mc_nearest_text": {"en": "{t} ({between}), distance {d}", "de": "{t} ({between}), Abstand {d}"},
    "mc_inside": {"en": "within the 95 % interval", "de": "innerhalb des 95-%-Intervalls"},
    "mc_outside": {"en": "outside the 95 % interval", "de": "außerhalb des 95-%-Intervalls"},
}


def check_language(lang: str) -> str:
    """Return ``lang`` if the report speaks it, else raise a FootprintError naming the choices."""
    if lang not in LANGUAGES:
        raise ReportError("unknown report language", field="--lang", value=lang,
                          expected="one of " + ", ".join(LANGUAGES))
    return lang


def text(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The label ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    entry: Mapping[str, str] = STRINGS[key]
    template = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return template.format(**values) if values else template


def level(value: object, lang: str = DEFAULT_LANGUAGE) -> str:
    """A PEF data-quality level ("very good") in ``lang``; unknown levels pass through."""
    key = f"level_{value}"
    return text(key, lang) if key in STRINGS else str(value)


#: EF 3.1 impact categories in German, as named in the German version of Recommendation (EU) 2021/2279.
CATEGORY_LABELS_DE: dict[str, str] = {
    "climate_change": "Klimawandel",
    "climate_change_fossil": "Klimawandel \u2014 fossil",
    "climate_change_biogenic": "Klimawandel \u2014 biogen",
    "climate_change_land_use": "Klimawandel \u2014 Landnutzung und Landnutzungsänderung",
    "ozone_depletion": "Ozonabbau",
    "human_toxicity_cancer": "Humantoxizität, kanzerogene Wirkungen",
    "human_toxicity_non_cancer": "Humantoxizität, nicht kanzerogene Wirkungen",
    "particulate_matter": "Feinstaub",
    "ionising_radiation": "Ionisierende Strahlung, menschliche Gesundheit",
    "photochemical_ozone_formation": "Photochemische Ozonbildung, menschliche Gesundheit",
    "acidification": "Versauerung",
    "eutrophication_terrestrial": "Eutrophierung, terrestrisch",
    "eutrophication_freshwater": "Eutrophierung, Süßwasser",
    "eutrophication_marine": "Eutrophierung, Meer",
    "ecotoxicity_freshwater": "Ökotoxizität, Süßwasser",
    "land_use": "Landnutzung",
    "water_use": "Wassernutzung",
    "resource_use_minerals_metals": "Ressourcennutzung, Mineralien und Metalle",
    "resource_use_fossils": "Ressourcennutzung, fossile Energieträger",
}


def category_label(result: Mapping[str, object], lang: str = DEFAULT_LANGUAGE) -> str:
    """A result's category label in ``lang`` (the declaration carries the English one)."""
    category = str(result.get("category") or "")
    english = str(result.get("label") or category or "?")
    if lang == "de":
        return CATEGORY_LABELS_DE.get(category, english)
    return english


def coverage_suffix(result: Mapping[str, object], lang: str = DEFAULT_LANGUAGE) -> str:
    """" (partial)" / " (teilweise)" for a result whose coverage is not complete, "" for a complete one.

    Why: the contributions block and the charts print a category's total away from the results table; a
    partial total (a lower bound) printed there bare read as the whole value.
    """
    coverage = result.get("coverage")
    if coverage in (None, "complete"):
        return ""
    key = f"coverage_{coverage}"
    return f" ({text(key, lang) if key in STRINGS else coverage})"


def stage_label(stage_id: str, label: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """An Annex V stage label in ``lang`` when the rule uses the standard English one, else as written."""
    entry = STRINGS.get(f"stage_{stage_id}")
    if entry and label == entry[DEFAULT_LANGUAGE]:
        return entry.get(lang) or label
    return label
