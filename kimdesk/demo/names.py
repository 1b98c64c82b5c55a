"""Synthetic names by origin, as written and in the Latin transliteration offices use.

Common given and family names of each origin, combined at random: no real person's data. The
original script is what the person recognises; the transliteration is what appears on German
documents (hence e.g. ``Mohammad``/``Mohamed`` variants across origins).
"""

from __future__ import annotations

from dataclasses import dataclass

Pair = tuple[str, str]  # (as written, Latin transliteration)


@dataclass(frozen=True)
class Origin:
    code: str  # ISO 3166 nationality
    languages: tuple[str, ...]  # ISO 639, preferred first
    female: tuple[Pair, ...]
    male: tuple[Pair, ...]
    family: tuple[Pair, ...]
    weight: int  # relative share in the demo population


def _same(*names: str) -> tuple[Pair, ...]:
    return tuple((n, n) for n in names)


ARABIC_FAMILY: tuple[Pair, ...] = (
    ("الأحمد", "Al-Ahmad"),
    ("الحسن", "Al-Hassan"),
    ("الخطيب", "Al-Khatib"),
    ("حداد", "Haddad"),
    ("السيد", "Al-Sayed"),
    ("العلي", "Al-Ali"),
    ("إبراهيم", "Ibrahim"),
    ("الشامي", "Al-Shami"),
    ("مصطفى", "Mustafa"),
    ("عثمان", "Othman"),
    ("النجار", "Al-Najjar"),
    ("قاسم", "Kassem"),
    ("العبدالله", "Al-Abdullah"),
    ("يوسف", "Youssef"),
    ("حمدان", "Hamdan"),
    ("الزعبي", "Al-Zoubi"),
)

ORIGINS: tuple[Origin, ...] = (
    Origin(
        "SY",
        ("ar", "ku"),
        female=(
            ("فاطمة", "Fatima"),
            ("مريم", "Maryam"),
            ("نور", "Nour"),
            ("رهف", "Rahaf"),
            ("سلمى", "Salma"),
            ("هبة", "Hiba"),
            ("آية", "Aya"),
            ("لمى", "Lama"),
        ),
        male=(
            ("محمد", "Mohammad"),
            ("أحمد", "Ahmad"),
            ("عمر", "Omar"),
            ("خالد", "Khaled"),
            ("يوسف", "Yousef"),
            ("حسن", "Hassan"),
            ("علي", "Ali"),
            ("مَحمود", "Mahmoud"),
        ),
        family=ARABIC_FAMILY,
        weight=18,
    ),
    Origin(
        "IQ",
        ("ar", "ckb"),
        female=(("زينب", "Zainab"), ("سارة", "Sara"), ("دعاء", "Duaa"), ("رُقيّة", "Ruqayya")),
        male=(("حيدر", "Haidar"), ("مصطفى", "Mustafa"), ("عباس", "Abbas"), ("كرار", "Karrar")),
        family=(
            ("الجبوري", "Al-Jubouri"),
            ("الموسوي", "Al-Mousawi"),
            ("التميمي", "Al-Tamimi"),
            ("العبيدي", "Al-Obaidi"),
            ("الدليمي", "Al-Dulaimi"),
            ("الربيعي", "Al-Rubaie"),
        ),
        weight=7,
    ),
    Origin(
        "AF",
        ("fa", "ps"),
        female=(
            ("زهرا", "Zahra"),
            ("مریم", "Maryam"),
            ("فرشته", "Fereshta"),
            ("ملالی", "Malalai"),
            ("شبنم", "Shabnam"),
            ("نرگس", "Nargis"),
        ),
        male=(
            ("احمد", "Ahmad"),
            ("محمد", "Mohammad"),
            ("عبدالله", "Abdullah"),
            ("فرید", "Farid"),
            ("حمید", "Hamid"),
            ("نوید", "Navid"),
            ("مصطفی", "Mustafa"),
        ),
        family=(
            ("احمدی", "Ahmadi"),
            ("حیدری", "Haidari"),
            ("رحیمی", "Rahimi"),
            ("کریمی", "Karimi"),
            ("نوری", "Noori"),
            ("صدیقی", "Sediqi"),
            ("پوپل", "Popal"),
            ("ستانکزی", "Stanekzai"),
            ("هاشمی", "Hashimi"),
            ("یوسفزی", "Yousafzai"),
        ),
        weight=10,
    ),
    Origin(
        "IR",
        ("fa",),
        female=(("نگار", "Negar"), ("مهسا", "Mahsa"), ("سپیده", "Sepideh"), ("لیلا", "Leila")),
        male=(
            ("علی‌رضا", "Alireza"),
            ("مهدی", "Mehdi"),
            ("رضا", "Reza"),
            ("امیرحسین", "Amirhossein"),
        ),
        family=(
            ("محمدی", "Mohammadi"),
            ("حسینی", "Hosseini"),
            ("رضایی", "Rezaei"),
            ("موسوی", "Mousavi"),
            ("جعفری", "Jafari"),
            ("قاسمی", "Ghasemi"),
        ),
        weight=4,
    ),
    Origin(
        "TR",
        ("tr", "ku"),
        female=_same("Ayşe", "Elif", "Zeynep", "Fatma", "Emine", "Büşra", "İrem", "Merve"),
        male=_same("Mehmet", "Mustafa", "Ahmet", "Emre", "Hüseyin", "İbrahim", "Yusuf", "Ömer"),
        family=_same(
            "Yılmaz",
            "Kaya",
            "Demir",
            "Şahin",
            "Çelik",
            "Yıldız",
            "Öztürk",
            "Aydın",
            "Arslan",
            "Doğan",
            "Kılıç",
            "Aslan",
        ),
        weight=12,
    ),
    Origin(
        "UA",
        ("uk", "ru"),
        female=(
            ("Олена", "Olena"),
            ("Оксана", "Oksana"),
            ("Наталія", "Nataliia"),
            ("Юлія", "Yuliia"),
            ("Ірина", "Iryna"),
            ("Тетяна", "Tetiana"),
        ),
        male=(
            ("Олександр", "Oleksandr"),
            ("Андрій", "Andrii"),
            ("Сергій", "Serhii"),
            ("Дмитро", "Dmytro"),
            ("Юрій", "Yurii"),
            ("Богдан", "Bohdan"),
        ),
        family=(
            ("Шевченко", "Shevchenko"),
            ("Коваленко", "Kovalenko"),
            ("Бондаренко", "Bondarenko"),
            ("Ткаченко", "Tkachenko"),
            ("Кравчук", "Kravchuk"),
            ("Мельник", "Melnyk"),
            ("Олійник", "Oliinyk"),
            ("Ковальчук", "Kovalchuk"),
        ),
        weight=15,
    ),
    Origin(
        "RU",
        ("ru",),
        female=(("Анна", "Anna"), ("Екатерина", "Ekaterina"), ("Мария", "Mariia")),
        male=(("Алексей", "Aleksei"), ("Иван", "Ivan"), ("Михаил", "Mikhail")),
        family=(
            ("Иванов", "Ivanov"),
            ("Смирнов", "Smirnov"),
            ("Кузнецов", "Kuznetsov"),
            ("Попова", "Popova"),
        ),
        weight=3,
    ),
    Origin(
        "RO",
        ("ro",),
        female=_same("Ioana", "Maria", "Andreea", "Elena", "Mihaela"),
        male=_same("Andrei", "Ion", "Gheorghe", "Ștefan", "Mihai", "Constantin"),
        family=_same("Popescu", "Ionescu", "Popa", "Stoica", "Dumitru", "Constantinescu", "Stan"),
        weight=7,
    ),
    Origin(
        "BG",
        ("bg",),
        female=(("Мария", "Maria"), ("Иванка", "Ivanka"), ("Десислава", "Desislava")),
        male=(("Георги", "Georgi"), ("Димитър", "Dimitar"), ("Иван", "Ivan")),
        family=(
            ("Иванов", "Ivanov"),
            ("Георгиев", "Georgiev"),
            ("Димитрова", "Dimitrova"),
            ("Петров", "Petrov"),
        ),
        weight=4,
    ),
    Origin(
        "PL",
        ("pl",),
        female=_same("Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Zofia"),
        male=_same("Piotr", "Krzysztof", "Tomasz", "Łukasz", "Paweł"),
        family=_same("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski"),
        weight=5,
    ),
    Origin(
        "ER",
        ("ti",),
        female=(("ሳባ", "Saba"), ("ሄለን", "Helen"), ("ፊሽን", "Fishan"), ("ሩታ", "Ruta")),
        male=(("ዳዊት", "Dawit"), ("ዮናስ", "Yonas"), ("ተስፋይ", "Tesfay"), ("ሚኪኤል", "Mikiel")),
        family=(
            ("ተስፋማርያም", "Tesfamariam"),
            ("ገብረሂወት", "Gebrehiwet"),
            ("ሃይለ", "Haile"),
            ("ክፍለ", "Kifle"),
            ("ተኽለ", "Tekle"),
            ("ብርሃነ", "Berhane"),
        ),
        weight=4,
    ),
    Origin(
        "SO",
        ("so",),
        female=_same("Hodan", "Amina", "Fadumo", "Sahra", "Hibaaq"),
        male=_same("Abdirahman", "Mohamed", "Abdullahi", "Ahmed", "Hassan"),
        family=_same("Warsame", "Farah", "Hussein", "Jama", "Aden", "Abdi", "Osman"),
        weight=3,
    ),
    Origin(
        "XK",
        ("sq", "sr"),
        female=_same("Arta", "Blerta", "Drita", "Teuta"),
        male=_same("Arben", "Besnik", "Driton", "Fatmir"),
        family=_same("Krasniqi", "Gashi", "Berisha", "Morina", "Shala", "Hoxha"),
        weight=3,
    ),
    Origin(
        "ER",
        ("ar",),  # Eritrean Muslims often use Arabic names and script
        female=(("أمنة", "Amna"),),
        male=(("إدريس", "Idris"),),
        family=(("محمد", "Mohammed"), ("صالح", "Saleh")),
        weight=1,
    ),
)
