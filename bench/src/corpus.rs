//! A legal-shaped synthetic corpus for the `search` benchmark: clients, their matters, and
//! the documents and emails filed in them, with realistic sizes and vocabulary.
//!
//! Everything is a pure function of the document's index and a fixed seed, so a run can be
//! repeated, and the rules that decide where a document lives and which planted rare term
//! it carries (`workspace_of`, `carries_rare`) can be evaluated without generating text:
//! the benchmark counts what the non-admin user should find from those rules alone.
//!
//! The words follow a Zipf law (s = 1) over a ranked list of English function words, then
//! legal and general vocabulary; one word in twelve comes instead from a long tail of
//! pronounceable made-up words (Zipf too), standing in for the names, typos and jargon
//! that give a real index a large dictionary.
//! Boilerplate clauses ("force majeure", "governing law", …) give phrase queries something
//! to find, and each document names its client, matter number, dates and amounts.

use std::collections::HashSet;

use crate::payload::Rng;

/// Fixed, so the corpus is the same from run to run.
const SEED: u64 = 0x00d0_55e1_e5ea_2c4b;

/// Made-up words planted in about one document in `RARE_EVERY` each, and nowhere else: a
/// rare-term query has a small answer known in advance.
pub const RARE: &[&str] = &[
    "zephyrine",
    "quillmoor",
    "brackenthwaite",
    "ossivane",
    "tamberlune",
    "corvideen",
    "halvorquist",
    "wystanmere",
];
pub const RARE_EVERY: u64 = 10_000;

/// The share of items that are emails.
const EMAIL_SHARE: f64 = 0.3;

/// Ranked first: the words any English text is mostly made of.
const FUNCTION_WORDS: &str = "the of and to a in that is for it as with be on by this shall not or are \
    at from which any such have has been an its was all will may their other under if no \
    they we our you your he she his her these those there than then would should could into \
    upon each more been also only any made time out so about after before where when who \
    what can do does did one two three first second new per between within without must \
    being both same however including whether during against because while until above \
    below further thereof herein hereto hereby therein thereto hereunder whereas";

/// Ranked next: the vocabulary of contracts, litigation and correspondence, roughly most
/// frequent first, mixed with the everyday words of business letters.
const CORE_WORDS: &str = "agreement party parties company court notice claim payment contract \
    client date section clause matter terms purchaser seller breach obligations rights \
    information law counsel property liability damages period written consent confidential \
    provided accordance subject pursuant following set forth respect reasonable costs \
    event condition conditions agreed relevant account order evidence case application \
    document documents letter meeting draft attached please regards dear thank kind \
    indemnity warranty warranties representations arbitration plaintiff defendant \
    deposition subpoena escrow covenant covenants lien tribunal judgment appeal hearing \
    witness statement disclosure discovery settlement mediation injunction claimant \
    respondent liabilities indemnify indemnified negligence tort statute regulation \
    regulations compliance jurisdiction governing assignment novation termination \
    terminate renewal schedule exhibit annex appendix recital recitals definitions \
    interpretation consideration completion closing shares share capital directors \
    director board shareholders shareholder resolution resolutions meeting minutes \
    lease landlord tenant premises rent licence license licensor licensee intellectual \
    patent trademark copyright infringement royalty royalties employment employee \
    employer dismissal redundancy remuneration salary pension benefits insurance \
    insurer policy premium loss losses cover guarantee guarantor security charge \
    mortgage lender borrower loan facility interest repayment default acceleration \
    creditor debtor insolvency administration liquidation receiver trustee trust \
    beneficiary estate probate executor will deed deeds execution executed signed \
    signature counterpart counterparts amendment amendments variation waiver remedy \
    remedies specific performance equitable relief cost costs fees invoice invoices \
    disbursements retainer engagement instructions advice opinion memorandum brief \
    pleadings particulars defence reply counterclaim allegation allegations denied \
    admitted burden proof standard balance probabilities expert report reports \
    transcript exhibit exhibits bundle trial listing directions hearing adjournment \
    costs budget timetable deadline extension filed filing served service process \
    summons motion affidavit declaration verified sworn oath notary apostille \
    regulator investigation inquiry enforcement penalty penalties fine sanctions \
    antitrust competition merger acquisition target buyer vendor due diligence data \
    room disclosure letter warranty claims cap basket threshold limitation survival \
    escrow retention earn out consideration adjustment accounts audit audited \
    financial statements tax taxes taxation indemnities stamp duty transfer title \
    ownership encumbrance encumbrances freehold leasehold easement planning permission \
    environmental contamination asbestos survey valuation valuer surveyor construction \
    contractor subcontractor employer architect engineer delay liquidated practical \
    defects retention variation certificate adjudication adjudicator dispute disputes \
    resolution expert determination confidentiality privilege privileged without \
    prejudice open correspondence email call telephone conference discussed discuss \
    discussion review reviewed comments comment revised revision version final \
    approval approve approved confirm confirmed confirmation understand understanding \
    proposal proposed propose offer accepted acceptance rejected counteroffer \
    negotiation negotiations position instructions client's team partner associate \
    paralegal trainee secretary office firm chambers barrister solicitor attorney \
    judge magistrate registrar clerk jury verdict sentence conviction acquittal \
    criminal civil commercial corporate finance banking regulatory employment family \
    real estate litigation disputes arbitration international domestic foreign \
    government authority authorities public private limited liability partnership \
    corporation subsidiary affiliate group holding parent entity entities person \
    persons individual individuals business businesses operations operating market \
    markets price prices value values amount amounts sum total due payable paid \
    received receive receipt deliver delivery delivered goods services supply supplier \
    customer customers products product quality specification specifications standard \
    standards performance obligations term year years month months week weeks day \
    business working calendar immediately promptly forthwith subsequently previously \
    currently generally specifically reasonably materially substantially fully \
    jointly severally respectively accordingly otherwise notwithstanding provided \
    except unless save extent insofar whatsoever howsoever hereinafter aforementioned \
    aforesaid foregoing below above attached enclosed herewith kindly note advise \
    grateful appreciate request requested requests response respond responded \
    received sent forward forwarded copy copies original originals scan scanned \
    file files record records register registered registration office address \
    registered number telephone mobile fax website reference ref our your their \
    matter file number account client case claim policy invoice order purchase";

/// The kinds of documents a matter accumulates, as they would be named.
const DOC_KINDS: &[&str] = &[
    "Share Purchase Agreement",
    "Asset Purchase Agreement",
    "Disclosure Letter",
    "Non-Disclosure Agreement",
    "Commercial Lease",
    "Licence to Assign",
    "Facility Agreement",
    "Security Trust Deed",
    "Guarantee and Indemnity",
    "Employment Contract",
    "Settlement Agreement",
    "Witness Statement",
    "Deposition Transcript",
    "Expert Report",
    "Particulars of Claim",
    "Defence and Counterclaim",
    "Skeleton Argument",
    "Memorandum of Advice",
    "Board Minutes",
    "Written Resolution",
    "Shareholders Agreement",
    "Articles of Association",
    "Supply Agreement",
    "Distribution Agreement",
    "Software Licence",
    "Data Processing Agreement",
    "Joint Venture Agreement",
    "Letter of Intent",
    "Heads of Terms",
    "Engagement Letter",
    "Due Diligence Report",
    "Completion Memorandum",
    "Subpoena Response",
    "Arbitration Request",
    "Statement of Case",
    "Costs Budget",
    "Chronology",
    "Attendance Note",
    "Letter to Opposing Counsel",
    "Escrow Agreement",
];

/// What matters are about, for their descriptions and the subjects of emails.
const MATTER_KINDS: &[&str] = &[
    "Acquisition of target group",
    "Disposal of subsidiary",
    "Refinancing",
    "Commercial lease renewal",
    "Employment tribunal claim",
    "Patent infringement",
    "Trademark opposition",
    "Supply chain dispute",
    "Construction adjudication",
    "Regulatory investigation",
    "Shareholder dispute",
    "Joint venture",
    "Data protection breach",
    "Insurance coverage dispute",
    "Insolvency and restructuring",
    "General corporate advice",
    "ICC arbitration",
    "Professional negligence claim",
    "Franchise agreements",
    "Competition clearance",
];

const SURNAMES: &[&str] = &[
    "Harrington",
    "Ashworth",
    "Blackwood",
    "Calloway",
    "Delacroix",
    "Ellison",
    "Fairbanks",
    "Garrick",
    "Hollister",
    "Ingram",
    "Jardine",
    "Kingsley",
    "Lockhart",
    "Montague",
    "Northcote",
    "Oakley",
    "Pemberton",
    "Quinlan",
    "Radcliffe",
    "Sterling",
    "Thornbury",
    "Underwood",
    "Vance",
    "Whitfield",
    "Yardley",
    "Abernathy",
    "Brightwater",
    "Carrow",
    "Dunmore",
    "Everett",
    "Fenwick",
    "Greystone",
    "Hawthorne",
    "Iverson",
    "Kessler",
    "Lindqvist",
    "Marchetti",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Rasmussen",
    "Santos",
    "Takahashi",
    "Van der Berg",
    "Whitmore",
    "Zimmermann",
    "Achebe",
    "Moreau",
    "Castellano",
    "O'Donnell",
];

const INDUSTRIES: &[&str] = &[
    "Steel",
    "Holdings",
    "Shipping",
    "Pharmaceuticals",
    "Capital",
    "Logistics",
    "Energy",
    "Foods",
    "Retail",
    "Engineering",
    "Properties",
    "Media",
    "Insurance",
    "Technologies",
    "Mining",
    "Aviation",
    "Textiles",
    "Chemicals",
    "Telecom",
    "Healthcare",
];

const FORMS: &[&str] = &["Ltd", "plc", "LLP", "Inc.", "GmbH", "S.A.", "Group", "LLC"];

const FIRST_NAMES: &[&str] = &[
    "Sarah", "James", "Priya", "Michael", "Aisha", "Thomas", "Elena", "David", "Fatima", "Robert",
    "Mei", "William", "Olivia", "Daniel", "Grace", "Samuel", "Chloe", "Joseph", "Amara", "Henry",
];

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Clauses of boilerplate, for phrase queries; `{client}` and `{other}` name the parties.
const CLAUSES: &[&str] = &[
    "Neither party shall be liable for any failure or delay in performance caused by an event of force majeure, including fire, flood, epidemic, strike or act of government.",
    "This agreement and any dispute or claim arising out of or in connection with it shall be governed by and construed in accordance with the laws of England and Wales.",
    "Time is of the essence for the performance of the obligations of {client} under this agreement.",
    "Each party irrevocably agrees that the courts of England shall have exclusive jurisdiction to settle any dispute arising out of this agreement.",
    "{other} shall indemnify and hold harmless {client} against all losses, liabilities, costs and expenses arising from any breach of warranty.",
    "Any dispute shall be referred to and finally resolved by arbitration under the Rules of the London Court of International Arbitration.",
    "The purchase price shall be held in escrow by the escrow agent pending satisfaction of the conditions precedent.",
    "Nothing in this agreement shall limit or exclude the liability of either party for fraud or fraudulent misrepresentation.",
    "This letter is written without prejudice and subject to contract, and is not an offer capable of acceptance.",
    "The information in this email is confidential and may be legally privileged; if you are not the intended recipient please notify the sender immediately.",
    "{client} represents and warrants that it has full power and authority to enter into and perform this agreement.",
    "The deponent was examined under oath and the transcript of the deposition is annexed as Exhibit {n}.",
    "No failure or delay by a party to exercise any right or remedy shall operate as a waiver of that right or remedy.",
    "The covenants given by {other} are given to {client} and its successors in title and shall run with the land.",
    "A person who is not a party to this agreement shall have no right under the Contracts (Rights of Third Parties) Act 1999 to enforce any of its terms.",
];

/// A client: the firm's customer, `custom1` on its matters and documents.
pub struct Client {
    /// `custom1` alias, e.g. `C0042`.
    pub alias: String,
    /// e.g. "Harrington Steel Ltd".
    pub name: String,
    /// e.g. "Harrington Steel", as documents mention it.
    pub short: String,
}

/// A matter: one workspace, `custom2` (under its client).
pub struct Matter {
    pub client: usize,
    /// `custom2` alias, e.g. `0042-0007`.
    pub alias: String,
    pub description: String,
}

/// One generated document or email, with the metadata its rows need.
pub struct Item {
    /// 0-based index in the corpus.
    pub index: u64,
    /// 0-based matter (workspace) index.
    pub matter: usize,
    pub name: String,
    pub email: Option<Email>,
    /// Edit date, microseconds since the epoch.
    pub edited: i64,
    /// The extracted text, as the index would see it.
    pub text: String,
}

pub struct Email {
    pub from: String,
    pub to: String,
}

impl Item {
    pub fn is_email(&self) -> bool {
        self.email.is_some()
    }

    /// iManage's type alias, the extension and the extractor format the item stands for.
    pub fn doc_type(&self) -> (&'static str, &'static str) {
        if self.is_email() {
            ("MIME", "eml")
        } else {
            ("WORDX", "docx")
        }
    }
}

/// The clients, matters and vocabulary; items are generated on demand by index.
pub struct Corpus {
    pub clients: Vec<Client>,
    pub matters: Vec<Matter>,
    /// Function words and the legal and business vocabulary, ranked.
    core: Zipf,
    /// The made-up long tail.
    tail: Zipf,
}

/// Words drawn with probability proportional to 1 / rank.
struct Zipf {
    words: Vec<String>,
    /// Cumulative weights, normalized to end at 1.
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(words: Vec<String>) -> Zipf {
        let mut cdf = Vec::with_capacity(words.len());
        let mut sum = 0.0;
        for rank in 1..=words.len() {
            sum += 1.0 / rank as f64;
            cdf.push(sum);
        }
        cdf.iter_mut().for_each(|c| *c /= sum);
        Zipf { words, cdf }
    }

    fn draw(&self, rng: &mut Rng) -> &str {
        let u = rng.unit();
        let i = self.cdf.partition_point(|c| *c < u);
        &self.words[i.min(self.words.len() - 1)]
    }
}

/// The share of words drawn from the made-up tail: names, jargon, typos, numbers.
const TAIL_SHARE: f64 = 0.08;

/// 2000-01-01 and a span of 25 years, in microseconds.
const EPOCH_2000: i64 = 946_684_800_000_000;
const SPAN_25Y: i64 = 25 * 365 * 86_400 * 1_000_000;

/// A stateless 64-bit mix (splitmix64's finalizer): the rules below hash indices with it.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Corpus {
    /// A corpus of `matters` matters over `clients` clients (matters are dealt round-robin).
    pub fn new(clients: usize, matters: usize) -> Corpus {
        let mut rng = Rng::new(SEED);
        let clients: Vec<Client> = (0..clients.max(1))
            .map(|c| {
                // Distinct names for the first 50 × 20 clients; a number beyond that.
                let surname = SURNAMES[c % SURNAMES.len()];
                // (c + c / 50) % 20 gives each surname a different industry in each round.
                let industry = INDUSTRIES[(c + c / SURNAMES.len()) % INDUSTRIES.len()];
                let form = FORMS[mix(c as u64) as usize % FORMS.len()];
                let round = c / (SURNAMES.len() * INDUSTRIES.len());
                let short = if round == 0 {
                    format!("{surname} {industry}")
                } else {
                    format!("{surname} {industry} {}", round + 1)
                };
                Client {
                    alias: format!("C{c:04}"),
                    name: format!("{short} {form}"),
                    short,
                }
            })
            .collect();
        let matters = (0..matters.max(1))
            .map(|m| {
                let client = m % clients.len();
                Matter {
                    client,
                    alias: format!("{client:04}-{:04}", m / clients.len() + 1),
                    description: format!("{} - {}", rng.pick(MATTER_KINDS), clients[client].short),
                }
            })
            .collect();
        let (core, tail) = vocabulary(&mut rng);
        Corpus {
            clients,
            matters,
            core: Zipf::new(core),
            tail: Zipf::new(tail),
        }
    }

    /// The matter item `index` is filed in: uniform over the matters, from a hash of the
    /// index alone so it can be evaluated without generating the item.
    pub fn matter_of(&self, index: u64) -> usize {
        (mix(index ^ SEED) % self.matters.len() as u64) as usize
    }

    /// Whether item `index` carries rare term `k` (an index into `RARE`).
    pub fn carries_rare(index: u64, k: usize) -> bool {
        mix(index.wrapping_mul(31).wrapping_add(k as u64 + 1) ^ SEED.rotate_left(17))
            .is_multiple_of(RARE_EVERY)
    }

    /// Item `index`: an email (30%) or a document, with its text.
    pub fn item(&self, index: u64) -> Item {
        let mut rng = Rng::new(mix(index ^ SEED.rotate_left(7)));
        let matter = self.matter_of(index);
        let m = &self.matters[matter];
        let client = &self.clients[m.client];
        let other = &self.clients[rng.below(self.clients.len() as u64) as usize];
        let edited = EPOCH_2000 + (rng.unit() * SPAN_25Y as f64) as i64;
        let mut text = String::new();
        let (name, email) = if rng.chance(EMAIL_SHARE) {
            // Emails: 0.5–5 KB, median 1.5 KB.
            let target = log_normal(&mut rng, 1_500.0, 0.6, 500, 5_000);
            let from = person(&mut rng);
            let to = person(&mut rng);
            let subject = format!(
                "{}{} - {} [{}]",
                if rng.chance(0.5) { "RE: " } else { "" },
                rng.pick(DOC_KINDS),
                client.short,
                m.alias
            );
            text.push_str(&format!(
                "From: {from}\nTo: {to}\nSubject: {subject}\nDate: {}\n\nDear {},\n\n",
                date(&mut rng),
                to.split(' ').next().unwrap_or("all")
            ));
            self.body(&mut rng, target, client, other, &mut text);
            text.push_str(&format!(
                "\nKind regards,\n{}\nDossier & Partners LLP\n",
                from.split(" <").next().unwrap_or(&from)
            ));
            (subject, Some(Email { from, to }))
        } else {
            // Documents: 2–40 KB, median 6 KB.
            let target = log_normal(&mut rng, 6_000.0, 0.8, 2_000, 40_000);
            let kind = rng.pick(DOC_KINDS);
            text.push_str(&format!(
                "{}\n\n{} and {}\nMatter {} ({})\nDated {}\nOur ref: {}/{}\n\n",
                kind.to_uppercase(),
                client.name,
                other.name,
                m.alias,
                m.description,
                date(&mut rng),
                m.alias,
                index
            ));
            self.body(&mut rng, target, client, other, &mut text);
            let name = format!("{kind} - {} (draft {})", client.short, rng.between(1, 9));
            (name, None)
        };
        for (k, word) in RARE.iter().enumerate() {
            if Corpus::carries_rare(index, k) {
                text.push_str(&format!("\nSee also the {word} file.\n"));
            }
        }
        Item {
            index,
            matter,
            name,
            email,
            edited,
            text,
        }
    }

    /// Paragraphs of Zipf-drawn sentences until `target` bytes, now and then a clause of
    /// boilerplate or a sentence with a date and an amount.
    fn body(
        &self,
        rng: &mut Rng,
        target: usize,
        client: &Client,
        other: &Client,
        out: &mut String,
    ) {
        let end = out.len() + target;
        while out.len() < end {
            for _ in 0..rng.between(2, 6) {
                let r = rng.unit();
                if r < 0.05 {
                    let clause = rng
                        .pick(CLAUSES)
                        .replace("{client}", &client.short)
                        .replace("{other}", &other.short)
                        .replace("{n}", &rng.between(1, 40).to_string());
                    out.push_str(&clause);
                } else if r < 0.12 {
                    out.push_str(&format!(
                        "On {} {} agreed to pay {} the sum of £{}.",
                        date(rng),
                        other.short,
                        client.short,
                        amount(rng)
                    ));
                } else {
                    self.sentence(rng, out);
                }
                out.push(' ');
            }
            out.push_str("\n\n");
        }
    }

    fn sentence(&self, rng: &mut Rng, out: &mut String) {
        let n = rng.between(6, 24);
        for i in 0..n {
            let word = self.word(rng);
            if i == 0 {
                let mut chars = word.chars();
                if let Some(c) = chars.next() {
                    out.extend(c.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(word);
                if i + 1 < n && rng.chance(0.06) {
                    out.push(',');
                }
            }
        }
        out.push('.');
    }

    fn word(&self, rng: &mut Rng) -> &str {
        if rng.chance(TAIL_SHARE) {
            self.tail.draw(rng)
        } else {
            self.core.draw(rng)
        }
    }
}

/// The ranked word lists: function words then core vocabulary, and a made-up tail (never
/// a core or rare word).
fn vocabulary(rng: &mut Rng) -> (Vec<String>, Vec<String>) {
    const TAIL: usize = 40_000;
    let mut seen: HashSet<String> = RARE.iter().map(|w| w.to_string()).collect();
    let mut core = Vec::new();
    for w in FUNCTION_WORDS
        .split_whitespace()
        .chain(CORE_WORDS.split_whitespace())
    {
        if seen.insert(w.to_string()) {
            core.push(w.to_string());
        }
    }
    const ONSETS: &[&str] = &[
        "b", "br", "c", "cl", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "pr", "r",
        "s", "st", "t", "tr", "v", "w",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "ou"];
    const CODAS: &[&str] = &["", "", "", "", "n", "r", "s", "t", "l", "m", "nd", "rt"];
    let mut tail = Vec::with_capacity(TAIL);
    while tail.len() < TAIL {
        let mut w = String::new();
        for _ in 0..rng.between(2, 3) {
            w.push_str(rng.pick(ONSETS));
            w.push_str(rng.pick(VOWELS));
            w.push_str(rng.pick(CODAS));
        }
        if seen.insert(w.clone()) {
            tail.push(w);
        }
    }
    (core, tail)
}

/// A log-normal size around `median` bytes, clamped to `[lo, hi]`.
fn log_normal(rng: &mut Rng, median: f64, sigma: f64, lo: usize, hi: usize) -> usize {
    ((median * (sigma * rng.normal()).exp()) as usize).clamp(lo, hi)
}

fn person(rng: &mut Rng) -> String {
    let first = rng.pick(FIRST_NAMES);
    let last = rng.pick(SURNAMES);
    let login: String = format!("{}{}", &first[..1], last)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect();
    format!("{first} {last} <{}@dossierlaw.com>", login.to_lowercase())
}

fn date(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        rng.between(1, 28),
        rng.pick(MONTHS),
        rng.between(2000, 2025)
    )
}

fn amount(rng: &mut Rng) -> String {
    let pounds = crate::stats::thousands(rng.between(1, 5_000) as f64 * 250.0);
    format!("{pounds}.00")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_deterministic_and_sized() {
        let c = Corpus::new(50, 200);
        let a = c.item(12_345);
        let b = c.item(12_345);
        assert_eq!(a.text, b.text);
        assert_eq!(a.matter, c.matter_of(12_345));
        let sizes: Vec<usize> = (0..2_000).map(|i| c.item(i).text.len()).collect();
        assert!(sizes.iter().all(|s| (400..=42_000).contains(s)));
        let emails = (0..2_000).filter(|i| c.item(*i).is_email()).count();
        assert!((450..750).contains(&emails), "{emails} emails");
    }

    #[test]
    fn rare_terms_appear_only_where_planted() {
        let c = Corpus::new(50, 200);
        // The items the rule plants the term in (cheap to find), and some others.
        let planted: Vec<u64> = (0..100_000)
            .filter(|i| Corpus::carries_rare(*i, 0))
            .collect();
        assert!(
            (2..30).contains(&planted.len()),
            "{} planted",
            planted.len()
        );
        for i in planted.iter().copied().chain(0..2_000) {
            let t = c.item(i).text;
            assert_eq!(t.contains(RARE[0]), Corpus::carries_rare(i, 0), "item {i}");
        }
    }
}
