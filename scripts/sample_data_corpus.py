"""Hand-written content of the sample landing folder's documents and tables.

Used by `make_sample_data.py`. Companies, plants and figures are fictional; the regulations
(CSRD, ESRS, EU Taxonomy, EN 15804, ...) are real and described in good faith as of 2024/25.
"""

from __future__ import annotations

import random

from sample_data_nlp import COMPANIES

SECTORS = {
    "Arctura Steel": ("Steel", "Sweden"),
    "Brennholm Chemicals": ("Chemicals", "Germany"),
    "Calder & Finch Retail": ("Retail", "United Kingdom"),
    "Deltamar Shipping": ("Shipping", "Netherlands"),
    "Elbstein Bau AG": ("Construction", "Germany"),
    "Fjordlys Power": ("Utilities", "Norway"),
    "Greenvale Foods": ("Food", "Ireland"),
    "Halvorsen Paper": ("Paper", "Finland"),
    "Isarwerk Energie": ("Utilities", "Germany"),
    "Juniper Textiles": ("Textiles", "Portugal"),
    "Kestrel Mining": ("Mining", "Poland"),
    "Lumen Grid Systems": ("Electrical equipment", "Denmark"),
    "Moravia Glass": ("Glass", "Czechia"),
    "Northgate Logistics": ("Logistics", "Belgium"),
    "Oakridge Timber": ("Wood products", "Austria"),
    "Pelican Bay Resorts": ("Hospitality", "Spain"),
    "Quercus Packaging": ("Packaging", "France"),
    "Rheintal Baustoffe AG": ("Building materials", "Germany"),
    "Solvik Batteries": ("Batteries", "Sweden"),
    "Tessaro Motors": ("Automotive", "Italy"),
}
# Rough size of each company: scope 1, scope 2 (location), scope 3 in t CO2e, revenue in
# EUR million, employees. Heavy industry is emissions-heavy, retail is Scope 3-heavy.
_SIZES = {
    "Steel": (4_200_000, 650_000, 2_900_000, 5200, 9800),
    "Chemicals": (1_850_000, 540_000, 6_100_000, 8900, 21000),
    "Retail": (42_000, 96_000, 3_800_000, 11200, 56000),
    "Shipping": (2_700_000, 18_000, 410_000, 4100, 7200),
    "Construction": (210_000, 48_000, 1_600_000, 6300, 27000),
    "Utilities": (3_100_000, 120_000, 2_200_000, 7400, 6100),
    "Food": (160_000, 88_000, 4_900_000, 3900, 12500),
    "Paper": (640_000, 410_000, 980_000, 2800, 5600),
    "Textiles": (38_000, 61_000, 720_000, 900, 4200),
    "Mining": (1_300_000, 700_000, 5_400_000, 2300, 14800),
    "Electrical equipment": (26_000, 54_000, 2_600_000, 3100, 8700),
    "Glass": (520_000, 190_000, 310_000, 1200, 3900),
    "Logistics": (380_000, 35_000, 640_000, 2600, 18200),
    "Wood products": (45_000, 72_000, 260_000, 1100, 2900),
    "Hospitality": (52_000, 140_000, 390_000, 1400, 9100),
    "Packaging": (290_000, 170_000, 1_100_000, 3300, 11400),
    "Building materials": (2_450_000, 210_000, 880_000, 3600, 8300),
    "Batteries": (61_000, 230_000, 1_750_000, 2100, 4600),
    "Automotive": (310_000, 480_000, 24_500_000, 27500, 61000),
}
COMPANY_PROFILES = [(c, SECTORS[c][0], SECTORS[c][1], _SIZES[SECTORS[c][0]]) for c in COMPANIES]
HQ_CITIES = [
    "Lulea",
    "Mannheim",
    "Leeds",
    "Rotterdam",
    "Magdeburg",
    "Bergen",
    "Cork",
    "Oulu",
    "Munich",
    "Guimaraes",
    "Katowice",
    "Aarhus",
    "Brno",
    "Ghent",
    "Graz",
    "Valencia",
    "Lyon",
    "Karlsruhe",
    "Skelleftea",
    "Turin",
]
REGIONS = ["DACH", "Nordics", "Benelux", "Iberia", "UK & Ireland", "CEE", "France", "Italy"]

GERMAN_PLANTS = [
    ("Werk Düsseldorf-Reisholz", "Nordrhein-Westfalen", "Düsseldorf", "Erdgas"),
    ("Werk Mülheim an der Ruhr", "Nordrhein-Westfalen", "Mülheim an der Ruhr", "Fernwärme"),
    ("Werk Lüneburg", "Niedersachsen", "Lüneburg", "Biomasse"),
    ("Werk Gießen", "Hessen", "Gießen", "Erdgas"),
    ("Werk Würzburg", "Bayern", "Würzburg", "Strom (Ökostrom)"),
    ("Werk Fürth", "Bayern", "Fürth", "Heizöl"),
    ("Werk Görlitz", "Sachsen", "Görlitz", "Braunkohle"),
    ("Werk Saarbrücken", "Saarland", "Saarbrücken", "Erdgas"),
    ("Werk Lübeck", "Schleswig-Holstein", "Lübeck", "Fernwärme"),
    ("Werk Tübingen", "Baden-Württemberg", "Tübingen", "Wärmepumpe"),
    ("Werk Osnabrück", "Niedersachsen", "Osnabrück", "Erdgas"),
    ("Werk Zwickau", "Sachsen", "Zwickau", "Strom (Ökostrom)"),
]
GERMAN_REMARKS = [
    "Messwerte geprüft",
    "Schätzung wegen Zählerausfall im März",
    "Umstellung auf Grünstrom im 2. Halbjahr",
    "Wärmerückgewinnung seit Mai in Betrieb",
    "Daten vom Energieversorger übernommen",
    "Produktionsrückgang gegenüber Vorjahr",
    "Kühlung über Flusswasser (genehmigt)",
    "Kesseltausch geplant für 2025",
    "",
]
ENERGY_SITES = [
    ("Malmö distribution centre", "Sweden"),
    ("Kraków plant", "Poland"),
    ("Zürich headquarters", "Switzerland"),
    ("Łódź warehouse", "Poland"),
    ("Göteborg terminal", "Sweden"),
    ("Århus laboratory", "Denmark"),
]

# name_de, name_en, category, declared unit, declared amount, density kg/m3, GWP-total A1-A3
# (kg CO2e per declared amount; negative for timber: biogenic carbon stored in the product).
MATERIALS = [
    (
        "Transportbeton C25/30",
        "Ready-mix concrete C25/30",
        "Mineral building products",
        "m3",
        1,
        2365.0,
        221.5,
    ),
    (
        "Transportbeton C30/37",
        "Ready-mix concrete C30/37",
        "Mineral building products",
        "m3",
        1,
        2380.0,
        253.9,
    ),
    (
        "Recyclingbeton R-C25/30",
        "Recycled aggregate concrete C25/30",
        "Mineral building products",
        "m3",
        1,
        2290.0,
        214.7,
    ),
    (
        "Porenbeton P4",
        "Autoclaved aerated concrete P4",
        "Mineral building products",
        "m3",
        1,
        450.0,
        168.2,
    ),
    ("Kalksandstein", "Sand-lime brick", "Mineral building products", "m3", 1, 1800.0, 232.4),
    (
        "Hochlochziegel",
        "Vertically perforated clay brick",
        "Mineral building products",
        "m3",
        1,
        750.0,
        150.4,
    ),
    ("Zement CEM I 42,5 R", "Portland cement CEM I 42.5 R", "Binders", "kg", 1000, 3100.0, 841.0),
    (
        "Hochofenzement CEM III/A",
        "Blast-furnace cement CEM III/A",
        "Binders",
        "kg",
        1000,
        2950.0,
        489.3,
    ),
    ("Zementestrich", "Cement screed", "Plasters and screeds", "m3", 1, 2000.0, 251.6),
    ("Lehmputz", "Clay plaster", "Plasters and screeds", "kg", 1000, 1700.0, 35.2),
    (
        "Gipskartonplatte 12,5 mm",
        "Gypsum plasterboard 12.5 mm",
        "Plasters and screeds",
        "m2",
        1,
        680.0,
        2.61,
    ),
    ("Betonstahl", "Reinforcing steel (electric arc furnace)", "Metals", "kg", 1000, 7850.0, 719.8),
    ("Baustahl, Profile", "Structural steel sections", "Metals", "kg", 1000, 7850.0, 1131.5),
    (
        "Aluminiumprofil, pulverbeschichtet",
        "Aluminium profile, powder-coated",
        "Metals",
        "kg",
        1,
        2700.0,
        8.94,
    ),
    ("Kupferblech", "Copper sheet", "Metals", "kg", 1, 8930.0, 3.62),
    ("Floatglas 4 mm", "Float glass 4 mm", "Glass", "m2", 1, 2500.0, 12.6),
    ("Glaswolle", "Glass wool insulation", "Insulation", "m3", 1, 20.0, 28.9),
    ("Steinwolle", "Stone wool insulation", "Insulation", "m3", 1, 60.0, 72.3),
    ("EPS-Dämmplatte", "EPS insulation board", "Insulation", "m3", 1, 15.0, 52.5),
    ("XPS-Dämmplatte", "XPS insulation board", "Insulation", "m3", 1, 32.0, 109.7),
    ("Holzfaserdämmplatte", "Wood fibre insulation board", "Insulation", "m3", 1, 160.0, -181.4),
    ("Hanfdämmmatte", "Hemp fibre insulation mat", "Insulation", "m3", 1, 40.0, -22.8),
    ("Brettsperrholz", "Cross-laminated timber", "Wood products", "m3", 1, 470.0, -641.2),
    ("Brettschichtholz", "Glued laminated timber", "Wood products", "m3", 1, 460.0, -618.9),
    ("Konstruktionsvollholz", "Solid structural timber", "Wood products", "m3", 1, 450.0, -712.5),
    ("PVC-Fensterprofil", "PVC window profile", "Plastics", "kg", 1, 1400.0, 3.08),
    ("Bitumenbahn", "Bitumen roofing membrane", "Roofing", "m2", 1, 1100.0, 6.31),
    ("Dachziegel (Ton)", "Clay roof tile", "Roofing", "m2", 1, 1900.0, 21.0),
]
EN15804_MODULES = [
    ("A1", "Product stage", "Raw material supply"),
    ("A2", "Product stage", "Transport to the manufacturer"),
    ("A3", "Product stage", "Manufacturing"),
    ("A4", "Construction stage", "Transport to the building site"),
    ("A5", "Construction stage", "Installation into the building"),
    ("B1", "Use stage", "Use"),
    ("B2", "Use stage", "Maintenance"),
    ("B3", "Use stage", "Repair"),
    ("B4", "Use stage", "Replacement"),
    ("B5", "Use stage", "Refurbishment"),
    ("B6", "Use stage", "Operational energy use"),
    ("B7", "Use stage", "Operational water use"),
    ("C1", "End-of-life stage", "Deconstruction and demolition"),
    ("C2", "End-of-life stage", "Transport to waste processing"),
    ("C3", "End-of-life stage", "Waste processing for reuse, recovery or recycling"),
    ("C4", "End-of-life stage", "Disposal"),
    ("D", "Beyond the system boundary", "Reuse, recovery and recycling potential"),
]
XLSX_ABOUT = [
    "Excerpt of generic building-material datasets in the style of ÖKOBAUDAT (EN 15804+A2).",
    "Values are illustrative sample data for the Nexus platform, not official figures.",
    "GWP columns: kg CO2e per declared amount of the declared unit; D is a credit (negative).",
    "Timber products carry negative A1-A3 values: biogenic carbon stored in the product,",
    "released again in C3 when the wood is incinerated at end of life.",
]

TRANSITION_POLICY_MD = """\
# Climate transition policy

*Owner: Chief Sustainability Officer. Approved by the Management Board on 14 March 2024.*

## Purpose

This policy sets out how the group will reduce its greenhouse gas emissions in line with
limiting global warming to 1.5 °C, and how progress is measured, governed and disclosed. It
applies to all majority-owned subsidiaries and to every new site from the day it opens.

## Targets

| Scope | Base year | Target year | Reduction |
|-------|-----------|-------------|-----------|
| Scope 1 and 2 (market-based) | 2019 | 2030 | 55 % absolute |
| Scope 3 (purchased goods, transport, use of sold products) | 2019 | 2030 | 30 % absolute |
| All scopes | 2019 | 2045 | net zero, at least 90 % absolute |

### Scope 1 and 2

Direct emissions come mostly from kilns, process heat and the vehicle fleet. We will replace
natural gas burners with electric and biomass heat where the technology is proven, capture
waste heat at every site above 5 MW thermal load, and buy renewable electricity through
long-term power purchase agreements rather than unbundled certificates.

### Scope 3

Most of our footprint sits in purchased clinker, steel and road freight. Suppliers that
together represent two thirds of Scope 3 emissions must set science-based targets by 2027.
Procurement weighs embodied carbon, taken from verified EPDs, alongside price and quality.

## Levers and investment

- Fuel switch and electrification of process heat (EUR 180 million until 2030).
- Clinker substitution with calcined clay and slag, lowering the clinker factor to 0.62.
- A carbon capture pilot at the largest kiln, sized at 70,000 t CO2 per year.
- Rail and inland waterway transport for at least 40 % of outbound tonnage.

Carbon removals and offsets do not count towards the reduction targets. They may only
neutralise residual emissions once the 2045 target has been met.

## Governance

The Management Board is accountable for this policy. The Sustainability Committee of the
Supervisory Board reviews progress twice a year. An internal carbon price of EUR 100 per tonne
is applied to every investment above EUR 2 million. Part of the variable pay of the
Management Board depends on the Scope 1 and 2 trajectory.

## Reporting and review

Emissions are reported annually under ESRS E1 and the GHG Protocol, with limited assurance.
The policy is reviewed every two years, or earlier when the SBTi criteria change or an
acquisition moves the baseline by more than 5 %.
"""

REPORT_PAGES = [
    (
        "Sustainability Report 2023",
        [
            "## Letter from the Management Board",
            "2023 was the year in which our transition plan moved from slides to construction "
            "sites. We commissioned the first electric calciner at our Mannheim works, signed a "
            "twelve-year power purchase agreement for wind power from the North Sea and brought "
            "the clinker factor of our cements down to 0.68. Scope 1 emissions fell by 6.1 percent"
            " while production volumes stayed almost flat, which shows that the reduction is real "
            "and not a side effect of a weaker market.",
            "Not everything went to plan. Two of our quarries failed to meet their biodiversity "
            "targets, and our Scope 3 inventory still rests on industry averages for a large share "
            "of purchased goods. We report these gaps openly, together with the measures we have "
            "taken, because our customers, employees and investors need figures they can rely on.",
            "This report follows the European Sustainability Reporting Standards for the first "
            "time. It is based on a double materiality assessment carried out with more than 200 "
            "stakeholders, and the climate figures have been subject to limited assurance by an "
            "independent auditor.",
            "## About this report",
            "The report covers Rheintal Baustoffe AG and all subsidiaries in which the group holds "
            "a majority of the voting rights: 14 cement and lime works, 37 ready-mix concrete "
            "plants and 9 quarries in Germany, Austria and Switzerland. Figures refer to the "
            "calendar year 2023 unless stated otherwise. Where earlier years were restated, the "
            "reason is given in the notes.",
        ],
    ),
    (
        "Climate and energy",
        [
            "## Our emissions",
            "Cement production is one of the most carbon-intensive industrial processes. Around "
            "two thirds of our direct emissions are released when limestone is turned into "
            "clinker, the rest comes from the fuels that heat the kilns. Our most effective levers "
            "are therefore a lower clinker share in the cement, alternative fuels and, in the long "
            "run, the capture and storage of process emissions.",
            "In 2023 alternative fuels such as sorted commercial waste and dried sewage sludge "
            "covered 71 percent of the thermal energy demand of our kilns, up from 64 percent. "
            "Calcined clay from our Lower Saxony pit replaced part of the clinker in three "
            "products, which customers can order as low-carbon cements with verified EPDs.",
            "## Energy",
            "The group consumed 5.9 terawatt hours of energy, of which 1.1 terawatt hours were "
            "electricity. The share of renewable electricity rose to 58 percent. From 2025 the "
            "new wind contract will cover roughly a third of our German electricity demand.",
            "## Climate risks",
            "We assessed physical and transition risks under three warming scenarios. The most "
            "material transition risk is the phase-out of free allowances in the EU Emissions "
            "Trading System together with the Carbon Border Adjustment Mechanism. The most "
            "material physical risk is low water on the Rhine, which interrupts barge transport "
            "of raw materials several weeks a year.",
        ],
    ),
    (
        "Circular materials",
        [
            "## Recycled aggregates",
            "Construction and demolition waste is the largest waste stream in Europe. Our "
            "recycling centres processed 1.4 million tonnes of concrete rubble in 2023 and "
            "returned most of it as recycled aggregate to our ready-mix plants. Recycled aggregate"
            " concrete now accounts for 19 percent of our ready-mix volume in the Stuttgart "
            "region.",
            "## Water and biodiversity",
            "All quarries have a restoration plan agreed with the local authorities. In 2023 we "
            "restored 46 hectares, mostly as dry grassland and shallow ponds that serve amphibians "
            "and wild bees. Water withdrawal fell by 8 percent thanks to closed washing circuits.",
            "## People and safety",
            "The lost-time injury frequency rate fell to 2.1 per million hours worked, but a "
            "subcontractor was seriously injured at our Lörrach works in October. We have since "
            "made lock-out procedures mandatory for every contractor and doubled the number of "
            "unannounced safety walks by site management.",
        ],
    ),
    (
        "Governance and outlook",
        [
            "## Governance",
            "The Management Board is responsible for the sustainability strategy. The "
            "Sustainability Committee of the Supervisory Board meets four times a year and reviews "
            "progress against the climate targets. Twenty percent of the long-term incentive of "
            "the Management Board depends on the reduction of Scope 1 and 2 emissions.",
            "## EU Taxonomy",
            "Cement manufacturing is an eligible activity under the climate change mitigation "
            "objective. 31 percent of our turnover and 44 percent of our capital expenditure were "
            "taxonomy-eligible; 12 percent of turnover and 27 percent of capital expenditure were "
            "aligned, meaning that the plants concerned met the technical screening criteria, did "
            "no significant harm to the other objectives and met the minimum safeguards.",
            "## Outlook",
            "For 2024 we expect Scope 1 emissions to fall by a further 4 to 6 percent. The final "
            "investment decision on the carbon capture pilot is planned for the second half of the "
            "year, subject to the award of public funding and a permit for the CO2 pipeline.",
        ],
    ),
]
REPORT_TABLE_INTRO = (
    "The table shows the group's greenhouse gas emissions by scope in tonnes of CO2 equivalent, "
    "calculated under the GHG Protocol. Scope 2 is shown with both the location-based and the "
    "market-based method; the total uses the market-based figure."
)
REPORT_TABLE_HEADER = ["Emissions (t CO2e)", "2021", "2022", "2023", "Change"]
REPORT_TABLE_ROWS = [
    ["Scope 1", "2,612,400", "2,534,900", "2,380,300", "-6.1 %"],
    ["Scope 2 (location-based)", "221,800", "214,300", "205,600", "-4.1 %"],
    ["Scope 2 (market-based)", "168,200", "131,700", "92,400", "-29.8 %"],
    ["Scope 3", "934,100", "901,500", "873,900", "-3.1 %"],
    ["Total (market-based)", "3,714,700", "3,568,100", "3,346,600", "-6.2 %"],
    ["kg CO2e per t cementitious", "598", "584", "561", "-3.9 %"],
]
REPORT_TABLE_NOTE = (
    "2021 and 2022 restated after the sale of the Wetzlar lime works. Scope 3 covers categories "
    "1, 3, 4, 9 and 12. Limited assurance by an independent auditor for 2023."
)

CSRD_DOCX = [
    ("h", 0, "CSRD and EU Taxonomy: implementation notes"),
    (
        "p",
        "Working notes of the ESG reporting team for the 2024 reporting cycle. They summarise "
        "what the Corporate Sustainability Reporting Directive (CSRD) and the EU Taxonomy "
        "Regulation require of us, and which questions are still open.",
    ),
    ("h", 1, "1 Scope and timeline"),
    (
        "p",
        "The CSRD replaces the Non-Financial Reporting Directive and requires in-scope "
        "companies to report under the European Sustainability Reporting Standards (ESRS), "
        "in the management report, with limited assurance and in a digital, tagged format.",
    ),
    ("h", 2, "1.1 Who reports when"),
    (
        "table",
        ["Wave", "Companies in scope", "First financial year", "First report"],
        [
            ["1", "Large public-interest entities already under the NFRD", "2024", "2025"],
            ["2", "Other large undertakings", "2027 (postponed from 2025)", "2028"],
            ["3", "Listed SMEs (with an opt-out)", "2028 (postponed from 2026)", "2029"],
            ["4", "Non-EU groups with large EU turnover", "2028", "2029"],
        ],
    ),
    (
        "p",
        "The 2025 'stop-the-clock' directive moved waves 2 and 3 back by two years. Further "
        "changes to the thresholds are being negotiated in the Omnibus package; these notes "
        "will be updated when the text is final.",
    ),
    ("h", 1, "2 Double materiality"),
    (
        "p",
        "A sustainability matter is material if it is material from the impact perspective "
        "(our actual or potential impacts on people and the environment), from the financial "
        "perspective (risks and opportunities that affect our cash flows and enterprise "
        "value), or from both. Only material topics need to be reported, but the assessment "
        "itself has to be documented and explained.",
    ),
    (
        "p",
        "Our 2023 assessment found climate change (E1), pollution (E2), resource use and "
        "circular economy (E5), own workforce (S1) and business conduct (G1) material. Water "
        "(E3) is material for two quarry sites only and will be reported at that level.",
    ),
    ("h", 1, "3 EU Taxonomy"),
    (
        "p",
        "The Taxonomy defines which economic activities are environmentally sustainable. An "
        "activity is aligned when it makes a substantial contribution to one of six "
        "environmental objectives, does no significant harm (DNSH) to the other five, meets "
        "minimum social safeguards and complies with the technical screening criteria.",
    ),
    ("h", 2, "3.1 Key performance indicators"),
    (
        "p",
        "We disclose the share of turnover, capital expenditure (CapEx) and operating "
        "expenditure (OpEx) that is taxonomy-eligible and taxonomy-aligned. CapEx is the most "
        "telling indicator for us, because it shows how much we invest in plants that will "
        "meet the criteria in the future.",
    ),
    ("h", 1, "4 Open points"),
    (
        "p",
        "Data owners for Scope 3 categories 1 and 4 are still to be named. The XBRL tagging "
        "of the sustainability statement will be tested with the auditor in the third "
        "quarter. Legal has to confirm whether the Swiss subsidiary reports separately.",
    ),
]

TAXONOMY_HTML = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>EU Taxonomy at a glance</title>
</head>
<body>
<h1>EU Taxonomy at a glance</h1>
<p>The EU Taxonomy Regulation (EU) 2020/852 is a classification system that tells companies,
investors and policymakers which economic activities count as environmentally sustainable.
It underpins the disclosures required by the CSRD and the SFDR.</p>

<h2>The six environmental objectives</h2>
<table>
<thead>
<tr>
  <th>No.</th>
  <th>Objective</th>
  <th>Example activity</th>
  <th>Criteria set out in</th>
</tr>
</thead>
<tbody>
<tr>
  <td>1</td>
  <td>Climate change mitigation</td>
  <td>Manufacture of low-carbon cement</td>
  <td>Climate Delegated Act</td>
</tr>
<tr>
  <td>2</td>
  <td>Climate change adaptation</td>
  <td>Flood protection for a production site</td>
  <td>Climate Delegated Act</td>
</tr>
<tr>
  <td>3</td>
  <td>Sustainable use and protection of water and marine resources</td>
  <td>Urban wastewater treatment</td>
  <td>Environmental Delegated Act</td>
</tr>
<tr>
  <td>4</td>
  <td>Transition to a circular economy</td>
  <td>Demolition and wrecking of buildings for material recovery</td>
  <td>Environmental Delegated Act</td>
</tr>
<tr>
  <td>5</td>
  <td>Pollution prevention and control</td>
  <td>Manufacture of active pharmaceutical ingredients</td>
  <td>Environmental Delegated Act</td>
</tr>
<tr>
  <td>6</td>
  <td>Protection and restoration of biodiversity and ecosystems</td>
  <td>Conservation of habitats and ecosystems</td>
  <td>Environmental Delegated Act</td>
</tr>
</tbody>
</table>

<h2>When is an activity aligned?</h2>
<ol>
<li>It makes a <strong>substantial contribution</strong> to at least one objective.</li>
<li>It does <strong>no significant harm</strong> (DNSH) to any of the other objectives.</li>
<li>It complies with the <strong>minimum safeguards</strong>
(OECD Guidelines, UN Guiding Principles).</li>
<li>It meets the <strong>technical screening criteria</strong> of the delegated acts.</li>
</ol>

<h2>Key performance indicators</h2>
<p>Non-financial companies report the taxonomy-eligible and taxonomy-aligned share of their
turnover, capital expenditure and operating expenditure. Financial companies report a green
asset ratio instead.</p>

<h3>Common pitfalls</h3>
<ul>
<li>Counting the same CapEx under two objectives.</li>
<li>Treating eligibility as alignment.</li>
<li>Missing evidence for the DNSH criteria on water and biodiversity.</li>
</ul>
</body>
</html>
"""

SUPPLIER_CODE_TXT = """\
SUPPLIER CODE OF CONDUCT
Version 3.1, valid from 1 January 2024

1. Purpose

This code sets out what we expect from every company that supplies goods or services to the
group. It is part of every purchase contract. Suppliers are expected to pass its requirements
on to their own suppliers.

2. Human rights and labour

Suppliers respect internationally recognised human rights. Forced labour, child labour and
any form of modern slavery are prohibited. Workers are paid at least a living wage, their
working hours comply with local law and never exceed 60 hours a week including overtime, and
they are free to join a trade union. Recruitment fees are never charged to workers.

3. Health and safety

Suppliers provide a safe and healthy workplace, assess risks regularly, train their workers and
report serious accidents to us within 48 hours.

4. Environment

Suppliers comply with all environmental permits, measure their energy use and greenhouse gas
emissions, and set reduction targets. Suppliers whose products make up a significant share of
our Scope 3 emissions are asked to set science-based targets by 2027 and to provide
Environmental Product Declarations for construction products.

5. Business ethics

Bribery, facilitation payments and anti-competitive agreements are prohibited. Conflicts of
interest must be disclosed. Personal data is processed in line with the GDPR.

6. Due diligence and audits

We carry out risk-based due diligence as required by the German Supply Chain Due Diligence Act
(LkSG). We may audit suppliers at short notice, on site or remotely. Where we find a breach, we
agree a corrective action plan with a deadline. Serious or repeated breaches lead to the end of
the business relationship.

7. Grievance mechanism

Anyone can report a suspected breach of this code, anonymously if they wish, through our
whistle-blowing channel. Reports are handled confidentially and nobody who reports in good faith
will suffer any disadvantage.
"""

BOARD_MINUTES = [
    "Present: all members of the Board of Directors; the Chief Financial Officer and the Head of "
    "Sustainability for items 2 and 3. The chair confirmed that the meeting was quorate.",
    "## 1. Acquisition of a regional ready-mix business",
    "The board discussed the proposed acquisition of a ready-mix concrete business with eleven "
    "plants. The purchase price and the financing structure remain confidential until signing. "
    "The board approved further due diligence, including an environmental site assessment.",
    "## 2. Carbon capture pilot",
    "The Head of Sustainability presented the updated business case for the carbon capture "
    "pilot. The board asked for a sensitivity analysis on carbon prices below EUR 70 per tonne "
    "before the final investment decision.",
    "## 3. Executive remuneration",
    "The board agreed to propose to the annual general meeting that twenty percent of the "
    "long-term incentive be tied to the Scope 1 and 2 reduction path.",
]
AUDIT_SUMMARY_P1 = [
    "In 2023 the procurement team audited 42 suppliers of raw materials, fuels and transport "
    "services. Audits were selected by risk: country, sector, purchase volume and any "
    "complaints received through the grievance channel. 29 audits took place on site, 13 "
    "remotely.",
    "## Scope",
    "Each audit covered the Supplier Code of Conduct: working hours and wages, health and "
    "safety, environmental permits, greenhouse gas reporting, and anti-corruption controls. "
    "Interviews were held with workers without management present.",
    "## Overall result",
    "31 suppliers met all requirements. Nine had minor findings, mostly missing documentation "
    "of overtime or expired fire-safety inspections. Two had major findings and were placed on "
    "a corrective action plan with a deadline of six months.",
]
AUDIT_SUMMARY_P2 = [
    "## Major findings",
    "A haulage contractor let drivers exceed legal driving times on cross-border routes. The "
    "contractor has since installed a telematics system and shares monthly reports with us.",
    "A limestone supplier could not show a valid water discharge permit for one of its washing "
    "plants. The permit has been applied for; deliveries from that plant are suspended until it "
    "is granted.",
    "## Next steps",
    "Follow-up audits of both suppliers are planned for the second quarter of 2024. From 2024 "
    "every new supplier above EUR 250,000 annual volume completes a self-assessment before the "
    "first order.",
]

_STATEMENTS = {
    ("employee", "intranet survey"): [
        "Working at {c} I can see the energy savings on the dashboard every week.",
        "The new shift pattern at {c} leaves too little rest between night and early shifts.",
        "{c} should explain the restructuring plans to staff before the press hears about them.",
        "Training on the new safety rules at {c} was practical and well organised.",
    ],
    ("resident", "town hall meeting"): [
        "Trucks for {c} pass the primary school every morning; we need a different route.",
        "Since {c} installed the new filters the dust on our cars has gone.",
        "We want {c} to publish the noise measurements from the night shift.",
        "The quarry restoration by {c} has turned into a lovely place for walks.",
    ],
    ("investor", "earnings call"): [
        "How will {c} finance its capex plan if carbon prices stay below EUR 80?",
        "We appreciate that {c} now reports Scope 3 by category.",
        "Can {c} confirm that the transition plan is aligned with 1.5 degrees?",
        "The taxonomy-aligned capex share of {c} is lower than its peers; why?",
    ],
    ("NGO", "open letter"): [
        "{c} still buys from a supplier accused of clearing protected forest.",
        "We welcome the commitment of {c} to end coal use by 2030 and will monitor it closely.",
        "{c} relies on offsets of doubtful quality to call its products climate neutral.",
        "The grievance mechanism of {c} is hard to find and available in English only.",
    ],
    ("customer", "product review"): [
        "The low-carbon product from {c} performed just like the standard one on our site.",
        "The EPD from {c} arrived quickly and made our building certification easy.",
        "Delivery from {c} was late twice this month, which delayed our pour.",
        "Packaging from {c} is still mostly plastic despite their recycling claims.",
    ],
}


def stakeholder_statement(rng: random.Random) -> tuple[str, str, str]:
    """(stakeholder group, channel, text with a {c} placeholder for the company)."""
    group, channel = rng.choice(list(_STATEMENTS))
    return group, channel, rng.choice(_STATEMENTS[(group, channel)])
