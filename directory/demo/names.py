"""Names for the demo world: drawn once from a seeded Faker, then sampled with the world's RNG.

Calling Faker for every row is the slow part of generating 100,000 children, and most Faker
locales draw names uniformly, which would make every surname equally rare. Instead a pool of
a few thousand surnames is drawn once: mostly from Faker's en_GB surnames, which carry ONS
frequencies (Smith, Jones, Taylor, Brown… common), with a long tail from other locales, as in
a real English classroom. Sampling a pool uniformly keeps those frequencies, and after that
each name costs one ``rng`` call.

Every surname carries an *origin*, so that a Kowalski child is more often a Zofia than an
Olivia and a child's family is named consistently.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

from faker import Faker

from .sampling import Weighted

GB = "gb"
PK = "pk"

# (Faker locale, surnames drawn, origin). en_GB is about half of the pool, which makes Smith
# about 1.4% of children, close to its real share; the rest is a long tail of rare names.
_SURNAME_SOURCES = (
    ("en_GB", 7000, GB),
    ("en_NZ", 2000, GB),
    ("en_IE", 2000, "en_IE"),
    ("en_IN", 900, "en_IN"),
    ("pl_PL", 600, "pl_PL"),
    ("en_NG", 300, "en_NG"),
    ("it_IT", 250, "it_IT"),
    ("pt_PT", 250, "pt_PT"),
    ("ro_RO", 200, "ro_RO"),
    ("fr_FR", 200, "fr_FR"),
    ("tr_TR", 150, "tr_TR"),
    ("es_ES", 150, "es_ES"),
    ("de_DE", 150, "de_DE"),
)
_FIRST_NAMES_PER_LOCALE = 400

# Faker has no useful British Pakistani or Bangladeshi names, so these are written out.
_PK_SURNAMES = (
    "Akhtar",
    "Iqbal",
    "Mahmood",
    "Rashid",
    "Shah",
    "Mirza",
    "Butt",
    "Raza",
    "Malik",
    "Chaudhry",
    "Rahman",
    "Uddin",
    "Miah",
    "Islam",
    "Aziz",
    "Qureshi",
)
_PK_SURNAME_DRAWS = 250
_PK_HEAD_SURNAMES = frozenset({"Khan", "Hussain", "Ali", "Ahmed", "Begum", "Akhtar"})
_PK_GIVEN = {
    "female": (
        "Maryam",
        "Aisha",
        "Fatima",
        "Zainab",
        "Hafsa",
        "Amina",
        "Inaya",
        "Safa",
        "Hana",
        "Sara",
        "Zara",
        "Iqra",
        "Khadija",
        "Anaya",
        "Nadia",
        "Shazia",
        "Rubina",
        "Samina",
    ),
    "male": (
        "Muhammad",
        "Ibrahim",
        "Yusuf",
        "Ayaan",
        "Zayn",
        "Hamza",
        "Ali",
        "Adam",
        "Bilal",
        "Umar",
        "Musa",
        "Zakariya",
        "Haris",
        "Rayyan",
        "Imran",
        "Tariq",
        "Asif",
        "Faisal",
    ),
}

# Names given to children born in England since 2008, most popular first (after ONS baby
# name tables). They take half the children of British origin; Faker's longer lists give the
# other half, so the popular names repeat and the rest spread thinly.
_POPULAR_GIVEN = {
    "female": (
        "Olivia",
        "Amelia",
        "Isla",
        "Ava",
        "Lily",
        "Freya",
        "Ivy",
        "Florence",
        "Mia",
        "Isabella",
        "Sophia",
        "Grace",
        "Emily",
        "Poppy",
        "Ella",
        "Evie",
        "Willow",
        "Rosie",
        "Sienna",
        "Charlotte",
        "Elsie",
        "Daisy",
        "Phoebe",
        "Isabelle",
        "Harper",
        "Sophie",
        "Evelyn",
        "Jessica",
        "Chloe",
        "Ruby",
        "Matilda",
        "Alice",
        "Lola",
        "Esme",
        "Aria",
        "Maya",
        "Millie",
        "Layla",
        "Zara",
        "Aisha",
        "Maryam",
        "Hannah",
        "Amber",
        "Holly",
        "Scarlett",
        "Eva",
        "Erin",
        "Megan",
        "Lucy",
        "Imogen",
        "Ellie",
        "Molly",
        "Hallie",
        "Ada",
        "Mila",
        "Luna",
        "Iris",
        "Eliza",
        "Harriet",
        "Bella",
        "Leah",
        "Nancy",
        "Thea",
        "Penelope",
        "Violet",
        "Beatrice",
        "Orla",
        "Maisie",
    ),
    "male": (
        "Oliver",
        "Muhammad",
        "George",
        "Noah",
        "Arthur",
        "Harry",
        "Leo",
        "Jack",
        "Charlie",
        "Oscar",
        "Jacob",
        "Freddie",
        "Alfie",
        "Theo",
        "Henry",
        "Archie",
        "Thomas",
        "Joshua",
        "William",
        "James",
        "Logan",
        "Alexander",
        "Isaac",
        "Lucas",
        "Edward",
        "Finley",
        "Mohammed",
        "Max",
        "Ethan",
        "Daniel",
        "Samuel",
        "Joseph",
        "Harrison",
        "Dylan",
        "Benjamin",
        "Riley",
        "Adam",
        "Teddy",
        "Reuben",
        "Luca",
        "Jude",
        "Louie",
        "Sebastian",
        "Tommy",
        "Elijah",
        "Hugo",
        "Albie",
        "Ronnie",
        "Rory",
        "Mason",
        "Toby",
        "Zachary",
        "Ibrahim",
        "Jaxon",
        "Yusuf",
        "Ryan",
        "Kai",
        "Jayden",
        "Tyler",
        "Lewis",
        "Callum",
        "Liam",
        "Harley",
        "Frankie",
        "Bobby",
        "Jenson",
        "Stanley",
        "Arlo",
        "Otis",
        "Ezra",
    ),
}
_POPULAR_SHARE = 0.5
_OWN_ORIGIN_SHARE = 0.6

# What a child is called at school when it is not their given name.
NICKNAMES = {
    "William": "Will",
    "Alexander": "Alex",
    "Elizabeth": "Lizzie",
    "Oliver": "Ollie",
    "Charlotte": "Lottie",
    "Isabella": "Bella",
    "Thomas": "Tom",
    "Samuel": "Sam",
    "Joshua": "Josh",
    "Benjamin": "Ben",
    "Muhammad": "Mo",
    "Matilda": "Tilly",
    "Harriet": "Hattie",
    "Florence": "Flo",
    "Jessica": "Jess",
    "Frederick": "Freddie",
    "Edward": "Ted",
    "Alfred": "Alfie",
    "Theodore": "Theo",
    "Penelope": "Penny",
    "Katherine": "Kate",
    "Rebecca": "Becky",
    "Nathaniel": "Nate",
    "Zachary": "Zach",
    "Daniel": "Dan",
    "Joseph": "Joe",
    "Jacob": "Jake",
    "Isabelle": "Izzy",
}


def _popularity(names: tuple[str, ...]) -> Weighted:
    """Zipf-like weights by rank: the top name about six times the last in the list."""
    return Weighted(names, [(rank + 5) ** -0.7 for rank in range(len(names))])


@dataclass(frozen=True)
class NamePools:
    surnames: tuple[tuple[str, str], ...]
    popular_given: dict[str, Weighted]
    child_given: dict[tuple[str, str], tuple[str, ...]]
    adult_given: dict[tuple[str, str], tuple[str, ...]]

    def surname(self, rng: random.Random) -> tuple[str, str]:
        """A family name and its origin, with real-world repetition."""
        return rng.choice(self.surnames)

    def child_given_name(self, rng: random.Random, *, origin: str, sex: str) -> str:
        if origin != GB and rng.random() < _OWN_ORIGIN_SHARE:
            return rng.choice(self.child_given[origin, sex])
        if rng.random() < _POPULAR_SHARE:
            return self.popular_given[sex].pick(rng)
        return rng.choice(self.child_given[GB, sex])

    def adult_given_name(self, rng: random.Random, *, origin: str, sex: str) -> str:
        if origin != GB and rng.random() < _OWN_ORIGIN_SHARE:
            return rng.choice(self.adult_given[origin, sex])
        return rng.choice(self.adult_given[GB, sex])


@functools.cache
def name_pools_build(*, seed: int) -> NamePools:
    """Draw every name the world will use from Faker, once, seeded for reproducibility.

    The pools depend on the seed alone, so a process that builds several worlds from one
    seed (the tests do) draws them once."""
    fakers = {}
    for locale, _, _ in _SURNAME_SOURCES:
        fakers[locale] = Faker(locale)
        fakers[locale].seed_instance(seed)
    child_given, adult_given = _given_pools(fakers)
    return NamePools(
        surnames=_surname_pool(fakers),
        popular_given={sex: _popularity(names) for sex, names in _POPULAR_GIVEN.items()},
        child_given=child_given,
        adult_given=adult_given,
    )


def _surname_pool(fakers: dict[str, Faker]) -> tuple[tuple[str, str], ...]:
    """en_GB draws first; other locales only add names en_GB did not draw, so that en_NZ's
    Smiths and Joneses do not inflate the head and the tail stays rare."""
    pool: list[tuple[str, str]] = []
    head: set[str] = set()
    for locale, draws, origin in _SURNAME_SOURCES:
        drawn = 0
        while drawn < draws:
            name = fakers[locale].last_name_male()
            if locale == "en_GB":
                head.add(name)
            elif name in head:
                continue
            pool.append((name, PK if name in _PK_HEAD_SURNAMES else origin))
            drawn += 1
    en_gb = fakers["en_GB"]
    pool.extend((en_gb.random_element(_PK_SURNAMES), PK) for _ in range(_PK_SURNAME_DRAWS))
    return tuple(pool)


def _given_pools(fakers: dict[str, Faker]) -> tuple[dict, dict]:
    """Children of British origin draw the long tail from en_GB, en_IE and en_NZ lists;
    adults (carers, practitioners) from en_GB alone, whose lists are adults' names."""
    child: dict[tuple[str, str], tuple[str, ...]] = {}
    adult: dict[tuple[str, str], tuple[str, ...]] = {}
    origins = sorted({origin for _, _, origin in _SURNAME_SOURCES} - {GB})
    for sex in ("female", "male"):
        draw = f"first_name_{sex}"
        for origin in origins:
            names = tuple(getattr(fakers[origin], draw)() for _ in range(_FIRST_NAMES_PER_LOCALE))
            child[origin, sex] = adult[origin, sex] = names
        child[GB, sex] = tuple(
            getattr(fakers[locale], draw)()
            for locale in ("en_GB", "en_IE", "en_NZ")
            for _ in range(_FIRST_NAMES_PER_LOCALE)
        )
        adult[GB, sex] = tuple(
            getattr(fakers["en_GB"], draw)() for _ in range(_FIRST_NAMES_PER_LOCALE)
        )
        child[PK, sex] = adult[PK, sex] = _PK_GIVEN[sex]
    return child, adult
