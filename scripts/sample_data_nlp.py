"""The ML task datasets of the sample landing folder: ESG sentiment, stakeholder emotion and
ESG entities (BIO tags). Used by `make_sample_data.py`; all companies are fictional.

Each set mixes templates (many slot fillers, so no two rows are the same) with hand-written
sentences. Some hand-written ones are deliberately hard (mixed or hedged statements, the
label going with the overall judgement), so a classifier over sentence embeddings scores
well but not perfectly.
"""

from __future__ import annotations

import random

COMPANIES = [
    "Arctura Steel",
    "Brennholm Chemicals",
    "Calder & Finch Retail",
    "Deltamar Shipping",
    "Elbstein Bau AG",
    "Fjordlys Power",
    "Greenvale Foods",
    "Halvorsen Paper",
    "Isarwerk Energie",
    "Juniper Textiles",
    "Kestrel Mining",
    "Lumen Grid Systems",
    "Moravia Glass",
    "Northgate Logistics",
    "Oakridge Timber",
    "Pelican Bay Resorts",
    "Quercus Packaging",
    "Rheintal Baustoffe AG",
    "Solvik Batteries",
    "Tessaro Motors",
]
SITES = [
    "Duisburg",
    "Rotterdam",
    "Linz",
    "Gdansk",
    "Tarragona",
    "Ludwigshafen",
    "Antwerp",
    "Ostrava",
    "Porto",
    "Bergen",
    "Lyon",
    "Katowice",
    "Malmo",
    "Leipzig",
    "Turin",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "September",
    "October",
    "November",
]
MATERIALS_SHORT = [
    "aluminium",
    "steel",
    "cement",
    "glass",
    "plastic packaging",
    "paper",
    "cotton",
    "lithium",
    "copper",
    "timber",
]
POLLUTANTS = [
    "ammonia",
    "diesel",
    "chlorinated solvent",
    "cyanide-laced water",
    "untreated wastewater",
    "heavy fuel oil",
    "sulphuric acid",
]


def _fill(rng: random.Random, template: str, company: str, year: int) -> str:
    return template.format(
        c=company,
        y=year,
        y2=rng.choice([2025, 2026, 2027, 2030]),
        s=rng.choice([1, 2, 3]),
        p=rng.choice([4, 7, 9, 12, 15, 18, 21, 26, 31, 38]),
        p2=rng.choice([35, 48, 60, 72, 85, 100]),
        m=rng.choice([1.2, 2.5, 4, 7.8, 12, 30, 45, 120, 250, 500]),
        n=rng.choice([3, 6, 11, 14, 25, 40, 85, 120, 300, 1200]),
        site=rng.choice(SITES),
        month=rng.choice(MONTHS),
        mat=rng.choice(MATERIALS_SHORT),
        pol=rng.choice(POLLUTANTS),
        ord=rng.choice(["second", "third", "fifth", "seventh"]),
        day=rng.randint(2, 28),
        k=rng.choice([4, 7, 12, 19, 23]),
        exch=rng.choice(
            [
                "Frankfurt Stock Exchange",
                "Euronext Paris",
                "Oslo Bors",
                "Nasdaq Stockholm",
                "Vienna Stock Exchange",
            ]
        ),
        emp=rng.choice(["1,800", "4,200", "12,500", "27,000", "56,000"]),
    )


# --------------------------------------------------------------------------------------------
# ESG sentiment

SENTIMENT_TEMPLATES = {
    "positive": [
        "{c} cut its Scope {s} emissions by {p}% in {y}, ahead of its science-based target.",
        "{c} now buys {p2}% of its electricity through renewable power purchase agreements.",
        "Investors welcomed {c}'s decision to tie executive bonuses to its {y2} climate goals.",
        "{c} earned an A rating from CDP for the quality of its {y} climate disclosure.",
        "The new {site} plant of {c} runs entirely on green hydrogen and recovered heat.",
        "{c} doubled the share of recycled {mat} in its products and avoided {n} thousand tonnes "
        "of CO2e.",
        "Staff turnover at {c} fell to a record low after it guaranteed a living wage across its "
        "supply chain.",
        "{c} finished restoring {n} hectares of wetland next to its {site} site.",
        "Auditors confirmed that {c} met every one of its {y} water-saving targets.",
        "{c} reported zero workplace fatalities for the {ord} year in a row.",
        "{c}'s EUR {m} million green bond was three times oversubscribed.",
        "Residents praised {c} for sharing the income of its {site} wind park with the town.",
        "{c} became the first firm in its sector to have its net-zero plan validated by SBTi.",
        "Thanks to a closed-loop water system, {c} cut fresh water use at {site} by {p}%.",
        "{c} raised the share of women in senior management to {p2}% in {y}, beating its goal.",
        "{c} phased out single-use plastics in all of its {n} stores ahead of schedule.",
        "An independent review found {c}'s sustainability reporting clear, complete and "
        "well evidenced.",
    ],
    "negative": [
        "{c} was fined EUR {m} million after {pol} leaked from its {site} plant into the river.",
        "{c} missed its {y} emissions target as Scope {s} emissions rose {p}%.",
        "Campaigners accuse {c} of greenwashing because its 'carbon neutral' label rests on "
        "cheap offsets.",
        "A supplier audit found forced overtime and withheld wages at {n} factories making goods "
        "for {c}.",
        "{c} quietly dropped its net-zero pledge and left the Science Based Targets initiative.",
        "Regulators opened an investigation into misleading claims in {c}'s {y} sustainability "
        "report.",
        "Two contractors died at {c}'s {site} site, the {ord} fatal accident this year.",
        "Residents near {site} are suing {c} over contaminated groundwater.",
        "Shareholders rejected {c}'s climate plan, calling it vague and unambitious.",
        "{c} expanded coal-fired capacity at {site} despite promising a phase-out.",
        "The board of {c} ignored repeated whistle-blower warnings about bribery in procurement.",
        "MSCI downgraded {c} to CCC, citing weak governance and unreliable emissions data.",
        "{c} was caught sourcing {mat} from a supplier linked to illegal deforestation.",
        "Water use at {c}'s {site} plant rose {p}% during a drought, angering local farmers.",
        "{c} laid off {n} hundred workers without consulting the works council.",
        "Satellite data showed methane flaring at {c}'s {site} facility far above what it "
        "reported.",
        "{c} lobbied against the EU's new supply chain rules while claiming to support them.",
    ],
    "neutral": [
        "{c} will publish its {y} sustainability report in {month}.",
        "{c} reports Scope 1, 2 and 3 emissions according to the GHG Protocol.",
        "The annual general meeting of {c} takes place on {day} {month} in {site}.",
        "{c} appointed a new head of investor relations with effect from {month} {y}.",
        "{c} operates {n} production sites in {k} countries.",
        "The CSRD applies to {c} from the {y2} financial year.",
        "{c} discloses Scope 2 emissions using both the location-based and market-based methods.",
        "The double materiality assessment of {c} covers {k} topics, including water and "
        "biodiversity.",
        "{c} restated its {y} emissions baseline after acquiring a smaller competitor.",
        "The sustainability committee of {c} meets four times a year.",
        "{c} is listed on the {exch} and employs about {emp} people.",
        "{c} reports its taxonomy-eligible revenue in a separate annex of the annual report.",
        "{c}'s {y} report follows the ESRS structure, with a general section and topical chapters.",
        "The {site} site of {c} is certified under ISO 14001 and ISO 50001.",
        "{c} will hold a capital markets day in {month} {y2}.",
        "{c} changed its auditor for the non-financial statement in {y}.",
        "The data in {c}'s emissions inventory cover the calendar year {y}.",
    ],
}

# Hand-written, and harder: hedged, mixed, or sustainability words in an unexpected role.
SENTIMENT_HANDWRITTEN = {
    "positive": [
        "Despite a difficult year for the industry, {c} kept emissions on a clear downward path.",
        "Fewer trucks, fuller trucks: {c} moved a third of its freight to rail.",
        "{c} admitted past mistakes in its supply chain and has since fixed most of them.",
        "It took years, but {c} finally closed its last coal boiler.",
        "The river downstream of {c}'s old tannery is clean enough for swimming again.",
        "{c} cut waste to landfill to almost nothing.",
        "Not perfect, but {c}'s new transition plan is the most credible in the sector.",
        "{c} pays its cleaners and security staff the same living wage as its own employees.",
        "Against expectations, {c} delivered its decarbonisation milestones on time and on budget.",
        "{c} publishes supplier lists down to tier three, something few rivals dare to do.",
        "Energy bills at {c} fell sharply once the heat pumps and rooftop solar came online.",
        "{c} settled the dispute quickly and compensated every affected family in full.",
        "Even critics concede that {c}'s reporting has become far more transparent.",
        "{c} turned a former quarry into a nature reserve now home to rare orchids.",
        "Customers can now return worn clothes to {c}, which recycles almost all of the fibres.",
    ],
    "negative": [
        "{c} promised a lot in {y} and delivered very little.",
        "The glossy report from {c} hides a {p}% rise in total emissions in a footnote.",
        "For the {ord} year running, {c} declined to disclose any Scope 3 data.",
        "{c} celebrated a small solar project while doubling its fossil gas purchases.",
        "Local fishermen say catches collapsed after {c} started dredging the bay.",
        "Nobody at {c} could explain where the offset credits actually came from.",
        "{c}'s emissions fell only because it sold its dirtiest plant to a private buyer.",
        "Workers at {c}'s warehouse describe heat, exhaustion and pressure to skip breaks.",
        "The independent directors of {c} all resigned within a month.",
        "{c} keeps postponing its coal exit, this time to {y2}.",
        "Although {c} cut some emissions, it missed its water target and was fined for "
        "wastewater discharges.",
        "The audit of {c} found that half of its 'recycled' content could not be traced.",
        "Indigenous communities were not consulted before {c} began clearing the concession.",
        "{c} paid its chief executive a record bonus in the same year it cut the safety budget.",
        "Hardly any of {c}'s promised green investments have left the planning stage.",
    ],
    "neutral": [
        "Emissions at {c} were broadly unchanged compared with the previous year.",
        "{c} has not yet decided whether to seek SBTi validation.",
        "{c}'s climate targets will be reviewed once the new baseline is available.",
        "Analysts expect {c} to publish more detail on its transition plan next year.",
        "{c} uses an internal carbon price in investment decisions.",
        "The report of {c} contains a section on climate risks and opportunities.",
        "{c} measures water withdrawal at each of its production sites.",
        "{c} said it would comment on the investigation once it has reviewed the documents.",
        "The emissions figures of {c} are subject to limited assurance by an external auditor.",
        "{c} buys both grey and renewable electricity, depending on the site.",
        "{c} has committed to reporting under the ESRS from {y2}.",
        "The new plant of {c} is due to open in {y2}; its energy supply has not been finalised.",
        "{c} ranks in the middle of its peer group on most ESG ratings.",
        "A spokesperson for {c} declined to comment on the rumoured acquisition.",
        "{c} splits its Scope 3 inventory into fifteen categories as the GHG Protocol suggests.",
    ],
}


def sentiment_rows(rng: random.Random, per_label: int = 150) -> list[list]:
    """[text, label, company, year], shuffled; the same companies appear under every label."""
    rows: list[list] = []
    for label in ("positive", "negative", "neutral"):
        seen: set[str] = set()
        handwritten = SENTIMENT_HANDWRITTEN[label]
        pool = [t for t in handwritten for _ in range(2)]  # each hand-written line twice
        while len(seen) < per_label:
            template = pool.pop() if pool else rng.choice(SENTIMENT_TEMPLATES[label])
            company, year = rng.choice(COMPANIES), rng.randint(2019, 2024)
            text = _fill(rng, template, company, year)
            if text in seen:
                continue
            seen.add(text)
            rows.append([text, label, company, year])
    rng.shuffle(rows)
    return rows


# --------------------------------------------------------------------------------------------
# Stakeholder emotion

EMOTION_SOURCES = [
    "employee_survey",
    "community_meeting",
    "social_media",
    "investor_call",
    "customer_review",
    "ngo_statement",
]
EMOTION_SLOTS = {
    "thing": [
        "the new solar farm",
        "the recycling scheme",
        "the wind park",
        "the factory",
        "the mine",
        "the warehouse",
        "the biogas plant",
        "the new rail link",
        "the cooling tower",
        "the landfill",
        "the tailings dam",
        "the logistics hub",
    ],
    "place": [
        "our village",
        "the valley",
        "our street",
        "the harbour",
        "the old town",
        "the estate",
        "our island",
        "the river bank",
        "the school",
        "the allotments",
    ],
    "who": [
        "management",
        "the company",
        "the site manager",
        "the mayor",
        "the works council",
        "the sustainability team",
        "the new owners",
        "the plant director",
    ],
}
EMOTION_TEMPLATES = {
    "joy": [
        "I'm so happy that {thing} finally opened near {place}!",
        "What a great day, {thing} is running and {place} can breathe again.",
        "Delighted to see kids swimming near {place} again after the clean-up.",
        "We celebrated at {place} tonight because {thing} brought forty new jobs.",
        "Honestly thrilled with how {who} handled the switch to green power.",
        "Such a joy to walk past {place} now that the trees are back.",
        "Loving the new cycle paths that {who} paid for around {place}.",
        "Best news all year: {thing} will heat every home in {place} for free this winter.",
    ],
    "anger": [
        "I am furious that {who} let {thing} pollute {place} again.",
        "Outrageous! {who} lied to us about the noise from {thing}.",
        "How dare {who} dump waste next to {place} and call it sustainable?",
        "We are sick of empty promises from {who} about {thing}.",
        "Absolutely livid that {thing} was approved without asking anyone in {place}.",
        "Stop greenwashing, {who}: {place} is still covered in dust from {thing}.",
        "Disgraceful that {who} cut safety staff while {thing} keeps leaking.",
        "I'm fed up with the trucks for {thing} tearing through {place} all night.",
    ],
    "fear": [
        "I'm scared that {thing} will poison the wells in {place}.",
        "We are worried the dam at {thing} could fail after another heavy storm.",
        "Nobody knows what is in the smoke from {thing}, and I fear for my children's lungs.",
        "I'm afraid {place} will flood again now that {thing} has sealed the fields.",
        "Terrified that {who} will close {thing} and we will all lose our jobs.",
        "What if the chemicals stored at {thing} catch fire? {place} is right next door.",
        "Parents in {place} are anxious about the new pipeline under {thing}.",
        "I lie awake worrying whether {thing} is safe after the last explosion.",
    ],
    "sadness": [
        "It breaks my heart to see the old forest by {place} cleared for {thing}.",
        "So sad that {place} lost its last fishing boats this year.",
        "My father worked at {thing} for thirty years, and now it is just a ruin.",
        "We miss the birds that used to nest near {place} before {thing} came.",
        "Heartbroken that the community garden at {place} was paved over for {thing}.",
        "It is depressing to watch {place} empty out since {thing} shut down.",
        "Grief is the only word for what happened to the river at {place}.",
        "I feel hopeless reading the latest report about {thing}; so much has been lost.",
    ],
    "trust": [
        "I trust {who}; they have published honest figures on {thing} every year.",
        "We can rely on {who} to tell {place} the truth about {thing}.",
        "The independent audit of {thing} convinced me that the numbers are real.",
        "{who} kept every promise they made to {place}, so I believe them this time.",
        "Confident that {who} will handle {thing} responsibly; their track record is solid.",
        "The monitoring data for {thing} is open to everyone, which is why I believe it.",
        "I have faith in the residents' panel that oversees {thing} for {place}.",
        "Their engineers answered every question about {thing} openly; that earns my trust.",
    ],
}
EMOTION_HANDWRITTEN = {
    "joy": [
        "Our team won the sustainability award and I could not stop smiling all day.",
        "The first electric buses arrived this morning and the whole depot cheered.",
        "Finally some good news: the salmon are back in the river.",
        "Proud and happy to work somewhere that takes climate seriously.",
        "The solar co-op paid its first dividend and the neighbours threw a street party.",
        "Just planted our thousandth tree with the volunteers, what a feeling!",
        "My electricity bill halved since the heat pump went in, I'm over the moon.",
        "Great to see the old mill turned into a repair cafe that everyone loves.",
        "Relieved and glad: the plant passed its inspection and nobody will lose their job.",
        "After years of protest the road was finally closed to trucks, and the street is quiet.",
        "Who would have thought the old landfill could become a meadow full of butterflies?",
        "Not bad at all, the canteen only serves food from local farms now.",
        "The flood defences held last night and the whole street is celebrating.",
    ],
    "anger": [
        "Another spill, another apology. Enough is enough.",
        "They paid the dividend and cut our pensions in the same week. Unbelievable.",
        "Three years of complaints and not a single answer from head office.",
        "The 'eco' label on this product is a joke and frankly an insult to customers.",
        "Our union was locked out of the safety review, which is completely unacceptable.",
        "They fenced off the public beach for a private jetty. People here are raging.",
        "I demand an explanation for why the fine was less than one day of profit.",
        "Stop telling us the smell is harmless when half the street has headaches.",
        "So the 'green' factory turns out to burn imported coal. Thanks for nothing.",
        "Funny how the safety budget always gets cut right after the awards ceremony.",
        "Sure, another consultation where our answers will be ignored.",
        "I have written six letters and they still pretend not to know about the leak.",
        "They call it a partnership, but we were told about the layoffs from the newspaper.",
    ],
    "fear": [
        "Every time the sirens test at the chemical park my heart races.",
        "With the drought getting worse, I dread what next summer will bring for our crops.",
        "Rumours of a takeover are going round and people are nervous about their jobs.",
        "The cracks in the embankment look bigger every week and nobody is checking them.",
        "I am frightened to let my kids play outside when the flare is burning.",
        "Investors on the call sounded alarmed about stranded assets if carbon prices jump.",
        "Insurers may stop covering homes here because of the flood risk, and we are panicking.",
        "We do not know if the water is safe to drink and that uncertainty is terrifying.",
        "The forecast says another heatwave, and the cooling water at the plant is already warm.",
        "No one will say what happens to our pensions if the site is sold.",
        "I keep checking the river level gauge on my phone every hour.",
        "What happens to this town when the subsidies run out?",
        "The smell came back last night and I kept the windows shut, just in case.",
    ],
    "sadness": [
        "The last shift left the colliery today. Many of us cried.",
        "Our favourite beach is now a grey strip of plastic and seaweed.",
        "I used to hear frogs every spring. This year there was only silence.",
        "Saying goodbye to colleagues after the plant closure was the hardest day of my career.",
        "The fire took the whole orchard my grandmother planted.",
        "It is a lonely town now, the young people have all moved away.",
        "Sorrowful news from the coast: the seagrass meadow has died off completely.",
        "I miss the winters when the lake still froze over.",
        "The orchestra funded by the mine played its final concert last night.",
        "My daughter asked why there are no more fireflies in the garden.",
        "We cut down the old oak that stood by the factory gate for two hundred years.",
        "Nobody came to the farewell for the last miners.",
        "The village shop closed when the plant did, and with it our meeting place.",
    ],
    "trust": [
        "The company invited us to inspect the treatment plant ourselves, and we found no issues.",
        "Their sustainability report has been assured by the same auditor for years, and it holds "
        "up.",
        "When something went wrong they told us within the hour. That is why we trust them.",
        "I believe the cooperative because every member can read the accounts.",
        "The works council signed off on the safety plan, and that is good enough for me.",
        "Years of reliable data from the air monitors have earned the site our confidence.",
        "Our supplier has never missed an audit and always shares its findings openly.",
        "We count on the local utility to keep its word on the coal exit, as it always has.",
        "They said the filters would be installed by June, and they were.",
        "If the cooperative says the water is clean, I believe them.",
        "The auditors can visit any site without notice, so I take the figures seriously.",
        "We have worked with that supplier for twenty years and never had reason to doubt them.",
        "Even after the accident they answered every question, and that is why we stayed.",
    ],
}


def emotion_rows(rng: random.Random, per_label: int = 80) -> list[list]:
    """[text, label, source], shuffled."""
    rows: list[list] = []
    for label, templates in EMOTION_TEMPLATES.items():
        seen: set[str] = set()
        pool = list(EMOTION_HANDWRITTEN[label])
        while len(seen) < per_label:
            if pool:
                text = pool.pop()
            else:
                text = rng.choice(templates).format(
                    **{slot: rng.choice(values) for slot, values in EMOTION_SLOTS.items()}
                )
                text = text[0].upper() + text[1:]
            if text in seen:
                continue
            seen.add(text)
            rows.append([text, label, rng.choice(EMOTION_SOURCES)])
    rng.shuffle(rows)
    return rows


# --------------------------------------------------------------------------------------------
# ESG entities: BIO tags over whitespace tokens

ENTITIES = {
    "ORG": COMPANIES
    + [
        "Nordic Cobalt Ltd",
        "Vantara Minerals",
        "EcoCem Holding",
        "Baltic Wood Products",
        "Sunfield Polymers",
        "Andes Lithium SA",
        "Hanse Recycling GmbH",
        "Carbonix Labs",
    ],
    "MATERIAL": [
        "recycled aluminium",
        "cross-laminated timber",
        "Portland cement",
        "low-carbon steel",
        "lithium carbonate",
        "cobalt",
        "nickel",
        "palm oil",
        "soy",
        "mineral wool",
        "glass fibre",
        "PVC",
        "gypsum board",
        "EPS insulation",
        "bauxite",
        "copper cathodes",
        "polysilicon",
        "natural rubber",
        "organic cotton",
        "ready-mix concrete",
        "clinker",
        "float glass",
        "recycled PET",
    ],
    "LOCATION": [
        "Rotterdam",
        "Duisburg",
        "Bavaria",
        "Chile",
        "the Atacama Desert",
        "the Democratic Republic of the Congo",
        "Norway",
        "Gdansk",
        "Lower Saxony",
        "Indonesia",
        "Malmo",
        "Antwerp",
        "Quebec",
        "Western Australia",
        "Brazil",
        "Vietnam",
        "Katowice",
        "Hamburg",
        "Lyon",
        "Finland",
        "Morocco",
        "the Ruhr",
    ],
    "REGULATION": [
        "EU Taxonomy Regulation",
        "CSRD",
        "SFDR",
        "CBAM",
        "EU Deforestation Regulation",
        "EUDR",
        "Supply Chain Due Diligence Act",
        "LkSG",
        "REACH",
        "EU Battery Regulation",
        "Ecodesign Regulation",
        "ESRS E1",
        "CSDDD",
        "EU ETS",
        "Conflict Minerals Regulation",
        "Building Energy Act",
    ],
}
# A long tail of rarer names, several of them ambiguous (an organisation named after a place,
# a material named after one), so a test split holds names never seen in training.
ENTITY_TAIL = {
    "ORG": [
        "Rotterdam Bulk Terminals",
        "Bavaria Cement Works",
        "Quebec Lithium Inc",
        "Hamburg Hafen Logistik",
        "Solaris Glasworks",
        "Oder Steel Mill",
        "Kivu Minerals",
        "Atlantica Pulp",
        "Vistula Chemicals",
        "Alpenholz GmbH",
        "Meridian Fibres",
        "Tagus Renewables",
        "Ember Foundry",
        "Lusatia Power",
        "Corvid Plastics",
    ],
    "MATERIAL": [
        "calcined clay",
        "hempcrete",
        "green hydrogen",
        "aluminium scrap",
        "manganese",
        "graphite",
        "rare earth magnets",
        "blast-furnace slag",
        "fly ash",
        "wood fibre board",
        "tin",
        "tungsten",
        "cork",
        "recycled polypropylene",
        "cellulose insulation",
    ],
    "LOCATION": [
        "Silesia",
        "Lapland",
        "Saxony-Anhalt",
        "Asturias",
        "Sumatra",
        "Kalimantan",
        "Peru",
        "the Basque Country",
        "Jutland",
        "Piedmont",
        "Transylvania",
        "Andalusia",
        "Ghana",
        "the Pilbara",
        "Bohemia",
    ],
    "REGULATION": [
        "Packaging and Packaging Waste Regulation",
        "PPWR",
        "Taxonomy Climate Delegated Act",
        "Energy Efficiency Directive",
        "Industrial Emissions Directive",
        "Green Claims Directive",
        "Critical Raw Materials Act",
        "Net-Zero Industry Act",
        "Methane Regulation",
        "Forced Labour Regulation",
        "Water Framework Directive",
        "ESRS S2",
    ],
}
TAIL_SHARE = 0.3

ENTITY_TEMPLATES = [
    "{ORG} buys {MATERIAL} from mines in {LOCATION} .",
    "Under the {REGULATION} , {ORG} must disclose the carbon footprint of its {MATERIAL} .",
    "{ORG} opened a {MATERIAL} recycling plant in {LOCATION} last year .",
    "The {REGULATION} requires importers of {MATERIAL} to report embedded emissions .",
    "{ORG} replaced virgin {MATERIAL} with {MATERIAL} at its plant in {LOCATION} .",
    "Suppliers in {LOCATION} will have to comply with the {REGULATION} from 2026 .",
    "{ORG} and {ORG} signed an offtake agreement for {MATERIAL} produced in {LOCATION} .",
    "According to the {REGULATION} , the {LOCATION} site of {ORG} is taxonomy-aligned .",
    "Prices for {MATERIAL} in {LOCATION} rose after the {REGULATION} came into force .",
    "{ORG} reports its use of {MATERIAL} in line with the {REGULATION} .",
    "Auditors visited {ORG} in {LOCATION} to check its {REGULATION} due diligence .",
    "A shipment of {MATERIAL} from {LOCATION} was held at the border under the {REGULATION} .",
    "{ORG} plans to cut the emissions of its {MATERIAL} by half by 2030 .",
    "The {LOCATION} warehouse of {ORG} stores {MATERIAL} for the construction sector .",
    "NGOs say {ORG} sources {MATERIAL} from cleared forest in {LOCATION} .",
    "{ORG} is the largest buyer of {MATERIAL} in {LOCATION} .",
    "The {REGULATION} and the {REGULATION} both apply to {ORG} .",
    "In {LOCATION} , {ORG} tests a new process that turns {MATERIAL} into {MATERIAL} .",
    "{ORG} published its first report under the {REGULATION} in March .",
    "Demand for {MATERIAL} from {LOCATION} has doubled since {ORG} built its factory .",
]
# Hand-written, with their own structure; [TYPE words] marks an entity.
ENTITY_HANDWRITTEN = [
    "Last winter [ORG Kestrel Mining] shipped [MATERIAL copper cathodes] through [LOCATION Gdansk] .",
    "Is the [LOCATION Duisburg] furnace of [ORG Arctura Steel] covered by the [REGULATION EU ETS] ?",
    "Farmers in [LOCATION Sumatra] say [MATERIAL palm oil] buyers ignore the [REGULATION EUDR] .",
    "Reporting under [REGULATION ESRS E1] starts next year for [ORG Moravia Glass] .",
    "[MATERIAL Cobalt] from the [LOCATION Democratic Republic of the Congo] ends up in batteries "
    "made by [ORG Solvik Batteries] .",
    "Without the [REGULATION CBAM] , cheap [MATERIAL clinker] imports from [LOCATION Morocco] "
    "would undercut local plants .",
    "[ORG Oakridge Timber] certifies all [MATERIAL cross-laminated timber] it sells in "
    "[LOCATION Austria] .",
    "Why does [ORG Greenvale Foods] still buy [MATERIAL soy] grown in [LOCATION Brazil] ?",
    "The auditors of [ORG Quercus Packaging] checked compliance with the [REGULATION PPWR] in "
    "[LOCATION Lyon] and [LOCATION Porto] .",
    "[ORG Lumen Grid Systems] needs [MATERIAL copper] and [MATERIAL aluminium] for every "
    "substation it builds .",
    "A new [MATERIAL green hydrogen] pipeline will link [LOCATION Rotterdam] with the "
    "[LOCATION Ruhr] by 2030 .",
    "Under the [REGULATION LkSG] , [ORG Juniper Textiles] must audit its [MATERIAL cotton] "
    "suppliers .",
    "Since 2023 [ORG Tessaro Motors] reports battery [MATERIAL lithium] content as the "
    "[REGULATION EU Battery Regulation] requires .",
    "[ORG Halvorsen Paper] burns bark and [MATERIAL black liquor] at its mill in "
    "[LOCATION Finland] .",
    "The [REGULATION Industrial Emissions Directive] sets the dust limits for [ORG Rheintal "
    "Baustoffe AG] .",
    "[LOCATION Norway] exports most of the [MATERIAL aluminium] that [ORG Fjordlys Power] "
    "helps to smelt .",
]

PLAIN_SENTENCES = [
    "Emissions fell by 12 percent compared with the previous year .",
    "The board approved the new climate transition plan .",
    "Most of the energy now comes from renewable sources .",
    "Water use per tonne of product dropped again in 2023 .",
    "The company will publish the data in its next annual report .",
    "Safety incidents were down for the third year in a row .",
    "Several suppliers have not yet answered the questionnaire .",
    "The new targets cover all three scopes of emissions .",
]


def _entity_sentence(rng: random.Random, template: str) -> tuple[list[str], list[str]]:
    tokens: list[str] = []
    tags: list[str] = []
    used: set[str] = set()
    for word in template.split():
        if word.startswith("{") and word.endswith("}"):
            kind = word[1:-1]
            names = ENTITY_TAIL[kind] if rng.random() < TAIL_SHARE else ENTITIES[kind]
            value = rng.choice([v for v in names if v not in used])
            used.add(value)
            # "the" in front of a place is not part of the name.
            if kind == "LOCATION" and value.startswith("the "):
                value = value[4:]
                if not tokens or tokens[-1].lower() != "the":
                    tokens.append("the")
                    tags.append("O")
            parts = value.split()
            tokens.extend(parts)
            tags.extend([f"B-{kind}"] + [f"I-{kind}"] * (len(parts) - 1))
        else:
            tokens.append(word)
            tags.append("O")
    if tokens[0] == "the":
        tokens[0] = "The"
    return tokens, tags


def _parse_marked(sentence: str) -> list[str]:
    """ "[ORG Arctura Steel] buys ..." -> ["Arctura Steel buys ...", "B-ORG I-ORG O ..."]."""
    tokens: list[str] = []
    tags: list[str] = []
    kind = None
    for word in sentence.split():
        if word.startswith("["):
            kind, first = word[1:], True
            continue
        closing = kind is not None and word.endswith("]")
        word = word.rstrip("]") if closing else word
        tokens.append(word)
        if kind is None:
            tags.append("O")
        else:
            tags.append(f"{'B' if first else 'I'}-{kind}")
            first = False
        if closing:
            kind = None
    return [" ".join(tokens), " ".join(tags)]


def entity_rows(rng: random.Random, n: int = 300) -> list[list[str]]:
    """[tokens, tags] as space-separated strings of equal length."""
    rows: list[list[str]] = [[s, " ".join(["O"] * len(s.split()))] for s in PLAIN_SENTENCES]
    rows += [_parse_marked(s) for s in ENTITY_HANDWRITTEN]
    seen = {r[0] for r in rows}
    while len(rows) < n:
        tokens, tags = _entity_sentence(rng, rng.choice(ENTITY_TEMPLATES))
        text = " ".join(tokens)
        if text in seen:
            continue
        seen.add(text)
        rows.append([text, " ".join(tags)])
    rng.shuffle(rows)
    return rows
