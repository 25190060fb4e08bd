"""Fixed catalogues the demo company draws from: job families, openings, agencies, channels.

Everything here is deterministic data, not randomness: the generator picks from it with a seeded RNG.
"""

from __future__ import annotations

COMPANY = "株式会社サンプル技研"
COMPANY_EN = "Sample Giken Co., Ltd."

# job family -> (Japanese title stem, skills that family uses)
JOB_FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "engineering": (
        "ソフトウェアエンジニア",
        ("Python", "Go", "Java", "TypeScript", "AWS", "SQL", "Kubernetes", "React"),
    ),
    "data": ("データアナリスト", ("SQL", "Python", "dbt", "Tableau", "統計", "BigQuery", "機械学習")),
    "sales": ("法人営業", ("法人営業", "新規開拓", "Salesforce", "提案書作成", "英語", "交渉")),
    "marketing": ("マーケティング", ("デジタル広告", "SEO", "Google Analytics", "コンテンツ制作", "CRM", "英語")),
    "design": ("UI/UXデザイナー", ("Figma", "UIデザイン", "UXリサーチ", "Illustrator", "Photoshop")),
    "hr": ("人事", ("採用", "労務", "人事制度", "研修企画", "社会保険")),
    "accounting": ("経理", ("月次決算", "簿記2級", "連結会計", "税務", "Excel")),
    "support": ("カスタマーサポート", ("電話対応", "メール対応", "Zendesk", "英語", "クレーム対応")),
}

LEVELS = (("ジュニア", 0, 2), ("", 3, 7), ("シニア", 8, 15))

# (prefecture, weight, sample localities with postal code prefixes)
PREFECTURES: tuple[tuple[str, float, tuple[tuple[str, str], ...]], ...] = (
    ("東京都", 0.34, (("渋谷区", "150"), ("新宿区", "160"), ("港区", "105"), ("世田谷区", "154"), ("品川区", "141"))),
    ("神奈川県", 0.14, (("横浜市西区", "220"), ("川崎市中原区", "211"), ("藤沢市", "251"))),
    ("大阪府", 0.12, (("大阪市北区", "530"), ("大阪市中央区", "541"), ("吹田市", "564"))),
    ("埼玉県", 0.07, (("さいたま市大宮区", "330"), ("川口市", "332"))),
    ("千葉県", 0.06, (("千葉市中央区", "260"), ("船橋市", "273"))),
    ("愛知県", 0.07, (("名古屋市中区", "460"), ("豊田市", "471"))),
    ("福岡県", 0.06, (("福岡市博多区", "812"), ("北九州市小倉北区", "802"))),
    ("北海道", 0.04, (("札幌市中央区", "060"),)),
    ("兵庫県", 0.05, (("神戸市中央区", "650"),)),
    ("京都府", 0.05, (("京都市下京区", "600"),)),
)

EMAIL_DOMAINS = (
    ("gmail.com", 0.42),
    ("yahoo.co.jp", 0.18),
    ("icloud.com", 0.1),
    ("outlook.jp", 0.07),
    ("docomo.ne.jp", 0.07),
    ("ezweb.ne.jp", 0.05),
    ("softbank.ne.jp", 0.04),
    ("hotmail.co.jp", 0.07),
)

# Greenhouse rejection reasons: (id, name, type id, type name)
REJECTION_REASONS = (
    (8, "Lacking skill(s)/qualification(s)", 1, "We rejected them"),
    (9504, "Hired another candidate", 1, "We rejected them"),
    (9505, "Culture fit", 1, "We rejected them"),
    (9506, "Experience level", 1, "We rejected them"),
)
DECLINE_REASONS = (
    (9601, "Accepted another offer", 2, "They rejected us"),
    (9602, "Compensation", 2, "They rejected us"),
    (9603, "Location", 2, "They rejected us"),
)
STAGES = ("Application Review", "Recruiter Phone Screen", "一次面接", "二次面接", "最終面接", "Offer")

GREENHOUSE_SOURCES = (
    (1, "Company Website"),
    (2, "Referral"),
    (3, "LinkedIn (Prospecting)"),
    (4, "Wantedly"),
    (5, "Event"),
)

# agency folder name -> (encoding, header style, birth date styles used by that agency)
AGENCIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "sakura_career": ("cp932", "ja", ("slash",)),
    "nihon_jinzai": ("utf-8-sig", "ja", ("compact", "wareki")),
    "global_talent_partners": ("utf-8", "en", ("iso",)),
}

JA_AGENCY_HEADERS = (
    "管理番号",
    "姓漢字",
    "名漢字",
    "姓カナ",
    "名カナ",
    "生年月日",
    "性別",
    "郵便番号",
    "都道府県名",
    "住所①",
    "メールアドレス",
    "電話番号1",
    "電話番号2",
    "希望職種",
    "経験年数",
    "スキル",
    "推薦日",
    "メール配信同意",
    "第三者提供同意",
)
EN_AGENCY_HEADERS = (
    "record_id",
    "last_name",
    "first_name",
    "last_name_kana",
    "first_name_kana",
    "birth_date",
    "gender",
    "postal_code",
    "prefecture",
    "address",
    "email",
    "phone",
    "phone2",
    "desired_job_type",
    "years_experience",
    "skills",
    "referred_at",
    "marketing_opt_in",
    "third_party_consent",
)

EVENTS = (
    ("2025-05-24", "エンジニア向け会社説明会"),
    ("2025-07-12", "データ活用ミートアップ"),
    ("2025-09-20", "営業職キャリアセミナー"),
    ("2025-11-15", "オープンオフィス"),
    ("2026-01-24", "デザイナー交流会"),
    ("2026-03-07", "新年度採用説明会"),
)
