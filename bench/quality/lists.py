"""Small hand-written lists for the error generator.

Written for this benchmark and kept apart from the application's own tables (the nickname
table in ``directory/data``, the normaliser, the search): errors drawn from the search's
own knowledge would only measure that the search knows itself.
"""

from __future__ import annotations

# A UK QWERTY keyboard's letter rows; each row sits about half a key right of the one above.
KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
DIGIT_ROW = "1234567890"

# Formal name -> what a child may be called (and typed) instead. Used both ways: a child
# recorded as Alfie may be typed as Alfred. Short forms that are mostly given names in their
# own right in England (Mia, Liam, Eliza) are left out, so that a Mia is not typed as Amelia.
NICKNAMES = {
    "William": ("Bill", "Will", "Billy"),
    "John": ("Jack", "Johnny"),
    "Margaret": ("Peggy", "Maggie", "Meg"),
    "Elizabeth": ("Beth", "Liz", "Lizzie", "Betty"),
    "Alexander": ("Alex", "Sasha", "Xander"),
    "Alexandra": ("Alex", "Sasha", "Lexi"),
    "Robert": ("Rob", "Bob", "Bobby"),
    "Richard": ("Rich", "Rick", "Dick"),
    "James": ("Jim", "Jamie", "Jimmy"),
    "Thomas": ("Tom", "Tommy"),
    "Oliver": ("Ollie", "Olly"),
    "Charlotte": ("Lottie", "Charlie"),
    "Charles": ("Charlie", "Chas"),
    "Katherine": ("Kate", "Katie", "Kathy"),
    "Catherine": ("Cathy", "Kate", "Cat"),
    "Henry": ("Harry", "Hal"),
    "Edward": ("Ed", "Ted", "Eddie"),
    "Frederick": ("Fred", "Freddie"),
    "Benjamin": ("Ben", "Benji"),
    "Samuel": ("Sam", "Sammy"),
    "Joshua": ("Josh",),
    "Jessica": ("Jess", "Jessie"),
    "Isabella": ("Bella", "Izzy"),
    "Isabelle": ("Izzy", "Belle"),
    "Matilda": ("Tilly", "Tilda"),
    "Harriet": ("Hattie",),
    "Florence": ("Flo", "Florrie"),
    "Theodore": ("Theo", "Teddy"),
    "Daniel": ("Dan", "Danny"),
    "Joseph": ("Joe", "Joey"),
    "Jacob": ("Jake",),
    "Christopher": ("Chris",),
    "Michael": ("Mike", "Mikey"),
    "Anthony": ("Tony", "Ant"),
    "Nicholas": ("Nick", "Nicky"),
    "Matthew": ("Matt",),
    "Rebecca": ("Becky", "Becca"),
    "Victoria": ("Vicky", "Tori"),
    "Abigail": ("Abby", "Gail"),
    "Amelia": ("Millie",),
    "Eleanor": ("Ellie", "Nell"),
    "Penelope": ("Penny",),
    "Alfred": ("Alfie", "Alf"),
    "Archibald": ("Archie",),
    "Stanley": ("Stan",),
    "Zachary": ("Zach", "Zac"),
    "Muhammad": ("Mo",),
    "Ronald": ("Ronnie", "Ron"),
    "Evelyn": ("Evie",),
    "Emily": ("Em", "Emmy"),
    "Louis": ("Lou", "Louie"),
    "Frances": ("Fran", "Frankie"),
    "Francis": ("Frank", "Frankie"),
    "Gabriel": ("Gabe",),
    "Sebastian": ("Seb",),
    "Maximilian": ("Max",),
    "Josephine": ("Josie", "Jo"),
    "Susan": ("Sue", "Susie"),
    "Deborah": ("Debbie", "Deb"),
    "Patricia": ("Pat", "Tricia"),
}

# Spellings of one name in the Latin alphabet, as a name is transliterated from Arabic,
# Urdu, Bengali, Cyrillic or Greek. A child recorded under one may be typed as another.
TRANSLITERATIONS = (
    ("Muhammad", "Mohammed", "Mohamed", "Mohammad", "Mohamad", "Muhammed"),
    ("Ahmed", "Ahmad", "Ahmet"),
    ("Aleksander", "Alexander", "Aleksandr", "Alexandr"),
    ("Sophia", "Sofia", "Sofiya"),
    ("Yusuf", "Yousef", "Yusef", "Youssef"),
    ("Ibrahim", "Ebrahim", "Ibraheem"),
    ("Aisha", "Ayesha", "Aysha", "Aishah"),
    ("Maryam", "Mariam", "Maryum"),
    ("Fatima", "Fatimah", "Fatma"),
    ("Zainab", "Zaynab", "Zeinab"),
    ("Hamza", "Hamzah"),
    ("Umar", "Omar"),
    ("Zayn", "Zain", "Zayne"),
    ("Ayaan", "Ayan"),
    ("Khadija", "Khadijah", "Khadeeja"),
    ("Mustafa", "Mostafa"),
    ("Yasmin", "Yasmeen", "Jasmin"),
    ("Nikolai", "Nikolay"),
    ("Dmitri", "Dmitry", "Dmitriy"),
    ("Natalia", "Natalya", "Nataliya"),
    ("Hussain", "Hussein", "Husain"),
    ("Chaudhry", "Choudhury", "Chaudhary", "Chowdhury"),
    ("Mahmood", "Mahmud", "Mehmood"),
    ("Rahman", "Rehman"),
    ("Qureshi", "Kureshi"),
    ("Rashid", "Rasheed"),
    ("Iqbal", "Ikbal"),
    ("Miah", "Mia", "Meah"),
    ("Uddin", "Udin", "Ud-Din"),
)

# Letters that do not fold to ASCII through Unicode decomposition, as English typists write
# them.
ASCII_FOLD = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "ı": "i"}

# Particles of compound surnames: "entered as one part" keeps the core name, not these.
PARTICLES = frozenset(
    {"van", "der", "den", "de", "da", "du", "dos", "das", "la", "le", "el", "al", "von", "di"}
)

# A different given name typed in place of the right one (a sibling's, a mix-up).
OTHER_GIVEN = {
    "female": (
        "Emma", "Olivia", "Sophie", "Grace", "Lily", "Chloe", "Hannah", "Lucy", "Megan",
        "Ruby", "Ella", "Jessica", "Holly", "Amy", "Katie", "Leah", "Zara", "Amira", "Nadia",
        "Freya", "Poppy", "Erin", "Niamh", "Aaliyah", "Maja", "Zuzanna", "Bethany", "Abigail",
    ),
    "male": (
        "Jack", "Oliver", "Harry", "George", "Charlie", "Jacob", "Thomas", "Oscar", "Leo",
        "Noah", "James", "Ethan", "Lewis", "Ryan", "Adam", "Ali", "Omar", "Kacper", "Jakub",
        "Connor", "Callum", "Kieran", "Tyler", "Owen", "Harvey", "Dylan", "Mason", "Aaron",
    ),
}  # fmt: skip

# A different family name typed in place of the right one (a step-parent's, the other
# parent's, another family's).
OTHER_FAMILY = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
    "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards",
    "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson",
    "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain",
    "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd",
    "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey",
    "Kowalski", "Nowak", "Okafor", "Adeyemi", "Ahmed", "Rossi", "Silva", "Yilmaz",
)  # fmt: skip
