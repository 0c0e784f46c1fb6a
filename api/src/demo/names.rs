//! Fixed word lists of the demo university: units, people's names, job titles, line labels,
//! device models and group names.

use entity::enums::{TeamsTenant, UnitKind};

/// One unit of the demo university.
pub(super) struct UnitSpec {
    pub code: &'static str,
    pub name: &'static str,
    /// The name used inside group names, e.g. "Balliol" for "Balliol College".
    pub short: &'static str,
    pub kind: UnitKind,
    pub tenant: TeamsTenant,
    /// Mail domain below `ox.ac.uk`.
    pub domain: &'static str,
    /// Head-count range, inclusive.
    pub people: (u32, u32),
}

const fn college(
    code: &'static str,
    name: &'static str,
    short: &'static str,
    domain: &'static str,
) -> UnitSpec {
    UnitSpec {
        code,
        name,
        short,
        kind: UnitKind::College,
        tenant: TeamsTenant::Main,
        domain,
        people: (36, 60),
    }
}

const fn department(
    code: &'static str,
    name: &'static str,
    short: &'static str,
    domain: &'static str,
) -> UnitSpec {
    UnitSpec {
        code,
        name,
        short,
        kind: UnitKind::Department,
        tenant: TeamsTenant::Main,
        domain,
        people: (95, 150),
    }
}

const fn uas(
    code: &'static str,
    name: &'static str,
    short: &'static str,
    domain: &'static str,
) -> UnitSpec {
    UnitSpec {
        code,
        name,
        short,
        kind: UnitKind::UasDivision,
        tenant: TeamsTenant::Main,
        domain,
        people: (80, 125),
    }
}

/// Every unit, colleges first. The code's first four letters start its people's usernames.
pub(super) const UNITS: &[UnitSpec] = &[
    college("BALL", "Balliol College", "Balliol", "balliol"),
    college("BRAS", "Brasenose College", "Brasenose", "bnc"),
    college("CHCH", "Christ Church", "Christ Church", "chch"),
    college("CORP", "Corpus Christi College", "Corpus", "ccc"),
    college("EXET", "Exeter College", "Exeter", "exeter"),
    college("HERT", "Hertford College", "Hertford", "hertford"),
    college("JESU", "Jesus College", "Jesus", "jesus"),
    college("KEBL", "Keble College", "Keble", "keble"),
    college("LMHC", "Lady Margaret Hall", "LMH", "lmh"),
    college("LINC", "Lincoln College", "Lincoln", "lincoln"),
    college("MAGD", "Magdalen College", "Magdalen", "magd"),
    college("MERT", "Merton College", "Merton", "merton"),
    college("NEWC", "New College", "New College", "new"),
    college("ORIE", "Oriel College", "Oriel", "oriel"),
    college("PEMB", "Pembroke College", "Pembroke", "pmb"),
    college("QUEE", "The Queen's College", "Queen's", "queens"),
    college("SJOH", "St John's College", "St John's", "sjc"),
    college("SOME", "Somerville College", "Somerville", "some"),
    college("TRIN", "Trinity College", "Trinity", "trinity"),
    college("UNIV", "University College", "Univ", "univ"),
    college("WADH", "Wadham College", "Wadham", "wadham"),
    college("WORC", "Worcester College", "Worcester", "worc"),
    department(
        "ENGS",
        "Department of Engineering Science",
        "Engineering",
        "eng",
    ),
    department("PHYS", "Department of Physics", "Physics", "physics"),
    department("CHEM", "Department of Chemistry", "Chemistry", "chem"),
    department("MATH", "Mathematical Institute", "Maths", "maths"),
    department(
        "COMP",
        "Department of Computer Science",
        "Computer Science",
        "cs",
    ),
    department("BIOL", "Department of Biology", "Biology", "biology"),
    department(
        "EART",
        "Department of Earth Sciences",
        "Earth Sciences",
        "earth",
    ),
    department("NDMD", "Nuffield Department of Medicine", "NDM", "ndm"),
    department("HIST", "Faculty of History", "History", "history"),
    department("LAWF", "Faculty of Law", "Law", "law"),
    UnitSpec {
        code: "SBS",
        name: "Saïd Business School",
        short: "SBS",
        kind: UnitKind::Department,
        tenant: TeamsTenant::Separate,
        domain: "sbs",
        people: (80, 100),
    },
    uas("ITSV", "IT Services", "IT Services", "it"),
    uas("ESTA", "Estates Services", "Estates", "estates"),
    uas("FINA", "Finance Division", "Finance", "finance"),
    uas("HRES", "Human Resources", "HR", "admin"),
    uas("ACAD", "Academic Administration Division", "AAD", "admin"),
    UnitSpec {
        code: "BODL",
        name: "Bodleian Libraries",
        short: "Bodleian",
        kind: UnitKind::Other,
        tenant: TeamsTenant::Main,
        domain: "bodleian",
        people: (70, 95),
    },
    UnitSpec {
        code: "OUEM",
        name: "Oxford University Endowment Management",
        short: "OUEM",
        kind: UnitKind::Other,
        tenant: TeamsTenant::Separate,
        domain: "ouem",
        people: (20, 30),
    },
    UnitSpec {
        code: "OUI",
        name: "Oxford University Innovation",
        short: "OUI",
        kind: UnitKind::Other,
        tenant: TeamsTenant::Separate,
        domain: "innovation",
        people: (35, 50),
    },
];

#[rustfmt::skip]
pub(super) const FIRST_NAMES: &[&str] = &[
    "Oliver", "George", "Harry", "Jack", "Jacob", "Charlie", "Thomas", "Oscar", "William", "James",
    "Henry", "Leo", "Alfie", "Joshua", "Freddie", "Archie", "Ethan", "Isaac", "Alexander", "Joseph",
    "Edward", "Samuel", "Max", "Daniel", "Arthur", "Lucas", "Mohammed", "Benjamin", "Theo",
    "Sebastian", "Rory", "Hugo", "Felix", "Rupert", "Toby", "Jonathan", "Matthew", "Andrew",
    "David", "Michael", "Richard", "Robert", "Peter", "Paul", "Simon", "Stephen", "Nicholas",
    "Christopher", "Timothy", "Mark", "Patrick", "Dominic", "Laurence", "Julian", "Adrian",
    "Graham", "Nigel", "Colin", "Ian", "Keith", "Martin", "Philip", "Roger", "Gareth", "Rhys",
    "Dylan", "Owain", "Callum", "Euan", "Ruaridh", "Seán", "Ciarán", "Niamh", "Siobhán", "Aoife",
    "Máire", "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella",
    "Lily", "Evie", "Isabella", "Charlotte", "Jessica", "Daisy", "Florence", "Freya", "Alice",
    "Matilda", "Harriet", "Imogen", "Eleanor", "Beatrice", "Clara", "Rosalind", "Philippa",
    "Victoria", "Catherine", "Elizabeth", "Sarah", "Rachel", "Rebecca", "Hannah", "Laura", "Emma",
    "Lucy", "Anna", "Helen", "Fiona", "Joanna", "Claire", "Nicola", "Alison", "Susan", "Margaret",
    "Jane", "Ruth", "Deborah", "Gillian", "Jennifer", "Kate", "Anne-Marie", "Mary-Jane", "Zoë",
    "Chloë", "Renée", "Noémie", "Léa", "Hélène", "Céline", "Amélie", "Benoît", "François", "Jérôme",
    "Étienne", "José", "María", "Inés", "Sofía", "Lucía", "Álvaro", "Andrés", "Raúl", "Joaquín",
    "João", "Gonçalo", "Jürgen", "Jörg", "Björn", "Søren", "Jørgen", "Åsa", "Ingrid", "Sigrún",
    "Guðrún", "Þórunn", "Ólafur", "Halldór", "Agnieszka", "Małgorzata", "Łukasz", "Paweł",
    "Wojciech", "Kateřina", "Tomáš", "Jiří", "Zoltán", "Ágnes", "Dóra", "Ioana", "Ștefan", "Mihai",
    "Dimitrios", "Eleni", "Giorgos", "Giulia", "Francesca", "Lorenzo", "Niccolò", "Matteo",
    "Chiara", "Elif", "Ayşe", "Mehmet", "Çağla", "Saïd", "Aïsha", "Fatima", "Yusuf", "Omar",
    "Layla", "Zainab", "Hamza", "Priya", "Ananya", "Arjun", "Rohan", "Vikram", "Deepa", "Sunita",
    "Rajesh", "Anil", "Kavya", "Wei", "Jing", "Xiaoming", "Mei", "Yan", "Hiroshi", "Yuki", "Haruka",
    "Kenji", "Min-jun", "Ji-woo", "Seo-yeon", "Chinedu", "Ngozi", "Oluwaseun", "Adebayo",
    "Chiamaka", "Kwame", "Ama", "Thandiwe", "Sipho", "Nomvula", "Tatiana", "Dmitri", "Anastasia",
    "Oksana", "Bogdan", "Nadia", "Bronwen", "Siân",
];

#[rustfmt::skip]
pub(super) const LAST_NAMES: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
    "Clarke", "Hughes", "Edwards", "Turner", "Hill", "Moore", "Cooper", "Ward", "Morris", "King",
    "Watson", "Harrison", "Morgan", "Baker", "Young", "Allen", "Mitchell", "Anderson", "Lewis",
    "Lee", "Parker", "Bennett", "Carter", "Phillips", "Shaw", "Collins", "Cox", "Richardson",
    "Bailey", "Chapman", "Webb", "Rogers", "Gray", "Mason", "Hunt", "Holmes", "Mills", "Palmer",
    "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murphy",
    "Dixon", "Harris", "Pearson", "Graham", "Fletcher", "Reynolds", "Fox", "Price", "Marshall",
    "Ellis", "Gibson", "Owen", "Howard", "Kelly", "Foster", "Armstrong", "Payne", "Hart", "Bradley",
    "Cunningham", "Lawrence", "Fitzgerald", "O'Brien", "O'Connor", "O'Neill", "McDonald", "MacLeod",
    "McKenzie", "Campbell", "Stewart", "Fraser", "Buchanan", "Gallagher", "Ní Bhriain",
    "Ó Súilleabháin", "Pryce", "Llewellyn", "Vaughan", "Prothero", "Bowes-Lyon", "Smith-Jones",
    "Harding-Rolls", "Gordon-Lennox", "Ashby-Clarke", "Hamilton-Smith", "Vane-Tempest",
    "Twistleton-Wykeham", "Montagu-Douglas", "Cholmondeley", "Featherstonehaugh", "Marjoribanks",
    "Ólafsdóttir", "Jónsdóttir", "Sigurðsson", "Guðmundsdóttir", "Þórsson", "Müller", "Schäfer",
    "Schröder", "Weiß", "Köhler", "Jäger", "Fröhlich", "Krüger", "Hoffmann", "Becker", "Wagner",
    "Zimmermann", "Lefèvre", "Dubois", "Girard", "Moreau", "Lemaître", "Benoît", "Rodríguez",
    "García", "Fernández", "González", "Martínez", "López", "Sánchez", "Pérez", "Muñoz", "Núñez",
    "Ibáñez", "Peña", "Gonçalves", "Magalhães", "Simões", "Araújo", "Rossi", "Russo", "Ferrari",
    "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "De Luca", "Di Stefano", "Nowak",
    "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
    "Dąbrowski", "Novák", "Dvořák", "Černý", "Svoboda", "Procházka", "Kovačević", "Horváth", "Nagy",
    "Szabó", "Tóth", "Popescu", "Ionescu", "Papadopoulos", "Georgiou", "Nikolaidis", "Yılmaz",
    "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Andersson", "Johansson", "Lindqvist", "Sjöberg",
    "Håkansson", "Ødegaard", "Sørensen", "Jørgensen", "Møller", "Hansen", "Nielsen", "Virtanen",
    "Mäkinen", "Järvinen", "Khan", "Ahmed", "Ali", "Hussain", "Shah", "Patel", "Sharma", "Singh",
    "Kaur", "Gupta", "Kumar", "Mehta", "Iyer", "Nair", "Reddy", "Chowdhury", "Rahman", "Islam",
    "Begum", "Chen", "Wang", "Zhang", "Liu", "Li", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
    "Sun", "Zhu", "Guo", "Lin", "Tan", "Lim", "Ng", "Wong", "Chan", "Leung", "Nguyen", "Tran",
    "Pham", "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Kim", "Park", "Choi", "Okafor",
    "Okonkwo", "Adeyemi", "Mensah", "Boateng", "Asante", "Owusu", "Nkosi", "Dlamini", "Abubakar",
    "Haddad", "Khoury", "Nasser", "El-Amin", "Al-Rashid", "Ben-David", "Cohen", "Levi", "Friedman",
    "Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Shevchenko", "Kovalenko", "Da Silva", "Dos Santos",
    "Pereira", "Costa",
];

#[rustfmt::skip]
pub(super) const COLLEGE_TITLES: &[&str] = &[
    "Porter", "Porter", "Porter", "Head Porter", "Deputy Head Porter", "College Secretary",
    "Academic Administrator", "Tutor for Admissions", "Senior Tutor", "Bursar", "Domestic Bursar",
    "Chaplain", "College Librarian", "Library Assistant", "Fellow and Tutor in History",
    "Fellow and Tutor in Chemistry", "Fellow and Tutor in English", "Fellow and Tutor in Law",
    "Fellow and Tutor in Mathematics", "Fellow and Tutor in Physics", "Fellow in Philosophy",
    "Fellow in Economics", "Junior Research Fellow", "Development Officer",
    "Alumni Relations Officer", "Accommodation Manager", "Conference Manager", "Head Chef", "Chef",
    "Kitchen Porter", "Buttery Manager", "Maintenance Technician", "Clerk of Works", "Gardener",
    "College Nurse", "Welfare Officer", "Finance Officer", "Accounts Assistant", "IT Officer",
    "Housekeeper", "Scout", "Scout", "Archivist", "Outreach Officer", "HR Manager",
];

#[rustfmt::skip]
pub(super) const DEPARTMENT_TITLES: &[&str] = &[
    "Professor", "Associate Professor", "Associate Professor", "Departmental Lecturer",
    "Senior Research Fellow", "Research Fellow", "Postdoctoral Research Assistant",
    "Postdoctoral Research Assistant", "Postdoctoral Research Assistant", "Research Associate",
    "Head of Department", "Head of Administration and Finance", "Departmental Administrator",
    "Graduate Studies Administrator", "Undergraduate Studies Administrator",
    "Teaching Laboratory Manager", "Laboratory Manager", "Research Technician", "Senior Technician",
    "Workshop Technician", "IT Officer", "IT Support Officer", "Finance Officer",
    "Purchasing Officer", "Research Facilitator", "Receptionist", "Facilities Manager",
    "Communications Officer", "HR Officer", "Safety Officer",
    "Executive Assistant to the Head of Department", "Personal Assistant",
    "Clinical Research Fellow", "Data Manager", "Research Software Engineer",
];

#[rustfmt::skip]
pub(super) const UAS_TITLES: &[&str] = &[
    "Service Desk Analyst", "Service Desk Analyst", "Senior Service Desk Analyst",
    "Systems Engineer", "Network Engineer", "Telephony Engineer", "Software Developer",
    "Project Manager", "Business Analyst", "Programme Manager", "Head of Service", "Director",
    "Deputy Director", "Finance Assistant", "Management Accountant", "Accounts Payable Officer",
    "Payroll Officer", "HR Adviser", "HR Business Partner", "Recruitment Administrator",
    "Estates Surveyor", "Building Services Engineer", "Security Officer",
    "Security Control Room Operator", "Maintenance Supervisor", "Sustainability Officer",
    "Policy Adviser", "Student Records Officer", "Examinations Officer", "Admissions Officer",
    "Committee Secretary", "Administrative Assistant", "Executive Assistant",
    "Personal Assistant to the Director", "Information Security Analyst", "Procurement Officer",
];

#[rustfmt::skip]
pub(super) const OTHER_TITLES: &[&str] = &[
    "Librarian", "Subject Consultant", "Reader Services Assistant", "Conservator",
    "Digital Curator", "Investment Analyst", "Portfolio Manager", "Operations Manager",
    "Licensing Manager", "Technology Transfer Manager", "Legal Counsel", "Office Manager",
    "Receptionist", "Finance Manager", "Executive Assistant", "Communications Manager",
    "Compliance Officer",
];

#[rustfmt::skip]
pub(super) const COLLEGE_SHARED: &[&str] = &[
    "Porters' Lodge", "College Office", "Bursary", "Accommodation Office", "Kitchen",
    "Library desk", "Buttery", "Conference Office", "Development Office", "Lodge (night line)",
];

#[rustfmt::skip]
pub(super) const DEPARTMENT_SHARED: &[&str] = &[
    "Reception", "Graduate Studies Office", "Undergraduate Office", "Finance Office", "Workshop",
    "Stores", "IT Support", "Teaching Laboratory", "Laboratory 1", "Laboratory 2", "Seminar Room",
    "Goods In",
];

#[rustfmt::skip]
pub(super) const UAS_SHARED: &[&str] = &[
    "Reception", "Enquiries", "Helpdesk", "Duty Manager", "Payroll Enquiries", "Accounts Payable",
    "Contracts Office", "Meeting Room",
];

#[rustfmt::skip]
pub(super) const OTHER_SHARED: &[&str] = &[
    "Reception", "Enquiries", "Front Desk", "Duty Manager",
];

#[rustfmt::skip]
pub(super) const CRITICAL: &[&str] = &[
    "Lift phone (main building)", "Lift phone (library)", "Lift phone (north wing)",
    "Emergency phone (car park)", "Fire alarm panel", "Refuge point (stairwell B)",
    "Door entry (main gate)", "Out-of-hours emergency line", "Plant room alarm",
    "Cold store alarm line",
];

/// Pickup-group areas of a unit, by its kind.
pub(super) fn pickup_areas(kind: UnitKind) -> &'static [&'static str] {
    match kind {
        UnitKind::College => &[
            "Lodge",
            "Library",
            "Staircase 4",
            "Kitchen offices",
            "Bursary corridor",
            "Admin office",
        ],
        UnitKind::Department => &[
            "Ground floor",
            "First floor",
            "Second floor",
            "Admin office",
            "Reception area",
            "Lab wing",
            "North corridor",
            "South corridor",
        ],
        UnitKind::UasDivision | UnitKind::Other => &[
            "Ground floor",
            "First floor",
            "Second floor",
            "Admin office",
            "Reception area",
            "Open-plan office",
            "North corridor",
            "South corridor",
        ],
    }
}

/// Offices with executive-assistant working in a unit, by its kind.
pub(super) fn ea_offices(kind: UnitKind) -> &'static [&'static str] {
    match kind {
        UnitKind::College => &[
            "Head of House's office",
            "Bursar's office",
            "Senior Tutor's office",
            "Development Director's office",
            "Domestic Bursar's office",
        ],
        UnitKind::Department => &[
            "Head of Department's office",
            "Head of Administration's office",
            "Director's office",
            "Director of Graduate Studies' office",
        ],
        UnitKind::UasDivision => &[
            "Director's office",
            "Deputy Director's office",
            "Head of Operations' office",
            "Assistant Director's office",
        ],
        UnitKind::Other => &[
            "Chief Executive's office",
            "Director's office",
            "Chair's office",
            "Finance Director's office",
        ],
    }
}

/// Desk phone models with relative weights.
pub(super) const DESK_MODELS: &[(&str, u32)] = &[
    ("OpenScape Desk Phone CP400", 50),
    ("OpenScape Desk Phone CP600", 25),
    ("OpenScape Desk Phone CP200", 15),
    ("OpenScape Desk Phone CP700", 10),
];

/// Softphone labels with relative weights.
pub(super) const SOFTPHONE_LABELS: &[(&str, u32)] = &[
    ("Softphone (Windows)", 60),
    ("Softphone (Mac)", 30),
    ("Softphone (Linux)", 10),
];

pub(super) const SOFTPHONE_MODEL: &str = "OpenScape Desktop Client";
pub(super) const MOBILE_MODEL: &str = "OpenScape Mobile";
#[rustfmt::skip]
pub(super) const MOBILE_LABELS: &[&str] = &[
    "OpenScape Mobile (iPhone)", "OpenScape Mobile (Android)",
];

/// Labels for whitelisted callers of an executive-assistant manager.
#[rustfmt::skip]
pub(super) const WHITELIST_LABELS: &[&str] = &[
    "Mobile", "Home", "Spouse", "Vice-Chancellor's Office", "Registrar", "Chair of Council",
    "Co-investigator",
];
