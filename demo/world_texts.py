"""Words of the demo world: per country its languages, currency, regions and names; per language the
political and issue messages its advertisers run, calm and sensational.

Every person, party and organisation here is made up; the messages are short, generic campaign phrases
written for the demo, in each language's own script. Regions use the names Meta's ``delivery_by_region``
gives. Exchange rates (local units per US dollar), costs per thousand impressions and spend levels are rough
figures, used only to size generated amounts.
"""

from __future__ import annotations

# ISO 3166-1 alpha-2 -> (share of advertisers, currency, rough units per USD, languages, regions, cities)
COUNTRIES: dict[str, dict] = {
    "BD": {"share": 14, "currency": "BDT", "per_usd": 120, "languages": ["bn", "bn", "bn", "en"],
           "regions": ["Dhaka Division", "Chittagong Division", "Khulna Division", "Rajshahi Division",
                       "Sylhet Division", "Barisal Division", "Rangpur Division", "Mymensingh Division"],
           "places": ["Dhaka", "Chattogram", "Khulna", "Rajshahi", "Sylhet", "Barishal", "Rangpur", "Cumilla"]},
    "BR": {"share": 16, "currency": "BRL", "per_usd": 5.5, "languages": ["pt"],
           "regions": ["São Paulo", "Rio de Janeiro", "Minas Gerais", "Bahia", "Paraná", "Pernambuco",
                       "Ceará", "Rio Grande do Sul", "Pará", "Amazonas", "Goiás", "Federal District"],
           "places": ["São Paulo", "Recife", "Salvador", "Belo Horizonte", "Manaus", "Curitiba", "Fortaleza"]},
    "IN": {"share": 18, "currency": "INR", "per_usd": 85, "languages": ["hi", "hi", "hi", "en"],
           "regions": ["Uttar Pradesh", "Maharashtra", "Bihar", "West Bengal", "Tamil Nadu", "Rajasthan",
                       "Karnataka", "Gujarat", "Delhi", "Kerala", "Madhya Pradesh", "Telangana"],
           "places": ["Lucknow", "Patna", "Jaipur", "Varanasi", "Bhopal", "Kanpur", "Indore", "Agra"]},
    "KE": {"share": 9, "currency": "KES", "per_usd": 130, "languages": ["sw", "en"],
           "regions": ["Nairobi County", "Mombasa County", "Kisumu County", "Nakuru County", "Kiambu County",
                       "Machakos County", "Uasin Gishu County", "Kakamega County"],
           "places": ["Nairobi", "Mombasa", "Kisumu", "Nakuru", "Eldoret", "Thika", "Kakamega"]},
    "NG": {"share": 12, "currency": "NGN", "per_usd": 1500, "languages": ["en", "en", "ha", "yo"],
           "regions": ["Lagos", "Kano", "Kaduna", "Federal Capital Territory", "Oyo", "Rivers", "Anambra",
                       "Enugu", "Ogun", "Borno"],
           "places": ["Lagos", "Kano", "Ibadan", "Abuja", "Kaduna", "Port Harcourt", "Abeokuta", "Enugu"]},
    "ID": {"share": 14, "currency": "IDR", "per_usd": 16000, "languages": ["id"],
           "regions": ["Jakarta", "West Java", "East Java", "Central Java", "North Sumatra", "Banten",
                       "South Sulawesi", "Bali", "Riau", "Yogyakarta"],
           "places": ["Jakarta", "Bandung", "Surabaya", "Semarang", "Medan", "Makassar", "Denpasar"]},
    "PK": {"share": 6, "currency": "PKR", "per_usd": 280, "languages": ["ur", "ur", "en"],
           "regions": ["Punjab", "Sindh", "Khyber Pakhtunkhwa", "Balochistan", "Islamabad"],
           "places": ["Lahore", "Karachi", "Peshawar", "Quetta", "Multan", "Faisalabad"]},
    "PH": {"share": 5, "currency": "PHP", "per_usd": 57, "languages": ["tl", "en"],
           "regions": ["Metro Manila", "Calabarzon", "Central Visayas", "Davao Region", "Central Luzon",
                       "Western Visayas"],
           "places": ["Manila", "Quezon City", "Cebu", "Davao", "Iloilo", "Bacolod"]},
    "ZA": {"share": 3, "currency": "ZAR", "per_usd": 18, "languages": ["en", "en", "zu"],
           "regions": ["Gauteng", "KwaZulu-Natal", "Western Cape", "Eastern Cape", "Limpopo"],
           "places": ["Johannesburg", "Durban", "Cape Town", "Gqeberha", "Polokwane"]},
    "MX": {"share": 3, "currency": "MXN", "per_usd": 18, "languages": ["es"],
           "regions": ["Mexico City", "Jalisco", "Nuevo León", "México", "Veracruz", "Puebla", "Yucatán"],
           "places": ["Ciudad de México", "Guadalajara", "Monterrey", "Puebla", "Mérida", "Veracruz"]},
}

# Rough cost of a thousand impressions, in US dollars, per country.
CPM_USD = {"BD": 0.4, "IN": 0.5, "PK": 0.4, "NG": 0.6, "KE": 0.7, "ID": 0.6, "PH": 0.7, "BR": 1.2, "MX": 1.3,
           "ZA": 1.5}
# Meta's closed buckets end at 1,000,000 in any currency, which is about 60 US dollars in rupiah: Indonesian
# advertisers here spend less per day, so only the bigger campaigns land in the open top bucket.
DAILY_SPEND_LEVEL = {"ID": 0.3}
TLD = {"BD": "com.bd", "BR": "com.br", "IN": "in", "KE": "co.ke", "NG": "ng", "ID": "id", "PK": "pk",
       "PH": "ph", "ZA": "co.za", "MX": "mx"}

# Made-up given and family names per country, for candidates and "paid for by" lines.
PEOPLE: dict[str, tuple[list[str], list[str]]] = {
    "BD": (["Rahim", "Nusrat", "Kamal", "Farzana", "Tanvir", "Shirin", "Arif", "Sabina"],
           ["Uddin", "Akter", "Hossain", "Chowdhury", "Rahman", "Begum", "Sarkar", "Islam"]),
    "BR": (["Ana", "João", "Mariana", "Carlos", "Fernanda", "Paulo", "Luciana", "Rafael"],
           ["Souza", "Oliveira", "Santos", "Pereira", "Lima", "Carvalho", "Ribeiro", "Almeida"]),
    "IN": (["Rajesh", "Sunita", "Amit", "Priya", "Vikram", "Anjali", "Suresh", "Kavita"],
           ["Yadav", "Sharma", "Verma", "Singh", "Gupta", "Mishra", "Patel", "Kumar"]),
    "KE": (["Wanjiru", "Otieno", "Achieng", "Kiprop", "Njeri", "Mwangi", "Chebet", "Omondi"],
           ["Kamau", "Odhiambo", "Wafula", "Mutua", "Kiptoo", "Njoroge", "Atieno", "Barasa"]),
    "NG": (["Chinedu", "Aisha", "Babatunde", "Ngozi", "Musa", "Folake", "Ibrahim", "Adaeze"],
           ["Okafor", "Bello", "Adeyemi", "Eze", "Abubakar", "Ogunleye", "Danjuma", "Nwosu"]),
    "ID": (["Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri", "Hendra", "Ayu"],
           ["Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Pratama", "Nugroho", "Kusuma"]),
    "PK": (["Imran", "Ayesha", "Bilal", "Sana", "Usman", "Fatima", "Hamza", "Maryam"],
           ["Khan", "Qureshi", "Malik", "Butt", "Chaudhry", "Siddiqui", "Shah", "Abbasi"]),
    "PH": (["Jose", "Maria", "Mark", "Kristine", "Paolo", "Angelica", "Ramon", "Joy"],
           ["Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Villanueva", "Aquino"]),
    "ZA": (["Thabo", "Naledi", "Sipho", "Lerato", "Johan", "Ayanda", "Pieter", "Zanele"],
           ["Nkosi", "Dlamini", "Mokoena", "van der Merwe", "Khumalo", "Botha", "Ndlovu", "Mahlangu"]),
    "MX": (["Alejandro", "Guadalupe", "Luis", "Ximena", "Jorge", "Sofía", "Miguel", "Valeria"],
           ["Hernández", "García", "Martínez", "López", "González", "Rodríguez", "Pérez", "Sánchez"]),
}

# Made-up organisations: "{place}" is filled with one of the country's places.
ORGANISATIONS: dict[str, list[str]] = {
    "BD": ["Nagorik Oikya Forum {place}", "Jatiyo Unnayan Mancha", "Tarun Bangla Andolon", "{place} Nagorik Committee",
           "Sabuj Bangla Foundation", "Krishok Odhikar Parishad"],
    "BR": ["Movimento Renova {place}", "Frente Cidadã {place}", "Instituto Brasil Justo", "Coletivo Voz do Povo",
           "Aliança Verde Brasil", "Partido da Renovação Popular"],
    "IN": ["Jan Vikas Manch {place}", "Yuva Shakti Sangathan", "Kisan Adhikar Morcha", "{place} Nagrik Samiti",
           "Bharat Pragati Foundation", "Lok Seva Dal"],
    "KE": ["Sauti ya Wananchi {place}", "Vijana Mbele Movement", "Haki Yetu Alliance", "{place} Residents Forum",
           "Maendeleo Kwanza Party", "Tuungane Initiative"],
    "NG": ["{place} Youth Vanguard", "New Nigeria Progressive Forum", "Arewa Unity Network", "Ọmọ Oòduà Renewal Group",
           "Citizens for Good Governance {place}", "People's Renewal Alliance"],
    "ID": ["Gerakan Muda {place}", "Relawan Indonesia Maju", "Forum Warga {place}", "Aliansi Rakyat Bersatu",
           "Partai Harapan Nusantara", "Yayasan Suara Desa"],
    "PK": ["Awami Ittehad {place}", "Naujawan Tehreek", "Insaf Shehri Forum", "Pakistan Taraqqi Alliance",
           "{place} Shehri Council"],
    "PH": ["Bagong Pag-asa {place}", "Kabataan Muna Movement", "Alyansa ng Bayan", "{place} Citizens Network"],
    "ZA": ["{place} Civic Movement", "Ubuntu Future Party", "Sizwe Renewal Forum", "Amandla Youth Alliance"],
    "MX": ["Movimiento Ciudadano de {place}", "Frente Juvenil Mexicano", "Alianza por {place}",
           "Colectivo Voz Popular"],
}

# Per language: calm issue messages, sensational ones, a call to action, and link titles.
MESSAGES: dict[str, dict[str, list[str]]] = {
    "bn": {"calm": ["আপনার ভোট আপনার অধিকার", "উন্নয়নের জন্য ভোট দিন", "দুর্নীতিমুক্ত দেশ গড়তে আমাদের সাথে থাকুন",
                    "কৃষকের ন্যায্য দাম চাই", "নারীর নিরাপত্তা নিশ্চিত করুন", "তরুণদের জন্য কর্মসংস্থান"],
           "sensational": ["ভয়ংকর ষড়যন্ত্র ফাঁস! ওরা আপনার ভোট চুরি করতে চায়",
                           "এখনই শেয়ার করুন, সত্য লুকানো হচ্ছে!",
                           "বিশ্বাসঘাতকদের মুখোশ খুলে দিন"],
           "action": ["ভোট দিন {name}-কে", "{place}-এর জন্য {name}"],
           "titles": ["আমাদের অঙ্গীকার", "ভোটার তথ্য জানুন", "পুরো ভিডিও দেখুন"]},
    "pt": {"calm": ["Seu voto decide o futuro da nossa cidade", "Mais saúde e educação para todos",
                    "Vote pela segurança do seu bairro", "Emprego e renda para as famílias brasileiras",
                    "Defenda a Amazônia: vote consciente"],
           "sensational": ["URGENTE: a verdade que a mídia esconde de você!",
                           "Eles querem roubar a eleição. Compartilhe antes que apaguem!",
                           "Escândalo! Veja o que fizeram com o seu dinheiro"],
           "action": ["Vote {name}", "{name} por {place}"],
           "titles": ["Conheça nossas propostas", "Assista ao vídeo completo", "Saiba onde votar"]},
    "hi": {"calm": ["आपका वोट, आपकी ताक़त", "हर घर तक पानी और बिजली", "किसानों के लिए उचित दाम",
                    "युवाओं को रोज़गार, देश को विकास", "महिलाओं की सुरक्षा हमारी प्राथमिकता"],
           "sensational": ["सावधान! देश के दुश्मन आपका वोट छीनना चाहते हैं",
                           "यह सच मीडिया आपको नहीं बताएगा, तुरंत शेयर करें!", "गद्दारों को पहचानो!"],
           "action": ["{name} को वोट दें", "{place} के लिए {name}"],
           "titles": ["हमारा संकल्प पत्र", "पूरा वीडियो देखें", "अपना मतदान केंद्र जानें"]},
    "ur": {"calm": ["آپ کا ووٹ، آپ کی طاقت", "مہنگائی کے خاتمے کے لیے ووٹ دیں", "ہر بچے کے لیے تعلیم"],
           "sensational": ["خبردار! آپ کا ووٹ چوری ہونے والا ہے", "غداروں کو بے نقاب کریں، ابھی شیئر کریں"],
           "action": ["{name} کو ووٹ دیں", "{place} کے لیے {name}"],
           "titles": ["ہمارا منشور", "مکمل ویڈیو دیکھیں"]},
    "sw": {"calm": ["Kura yako ni sauti yako", "Ajira kwa vijana wetu", "Maji safi kwa kila kijiji",
                    "Tupigane na ufisadi pamoja"],
           "sensational": ["HATARI! Wanataka kuiba kura zenu, shiriki sasa!",
                           "Ukweli ambao vyombo vya habari vinauficha"],
           "action": ["Mpigie kura {name}", "{name} kwa {place}"],
           "titles": ["Ilani yetu", "Tazama video kamili"]},
    "ha": {"calm": ["Kuri'arka, muryarka", "Aikin yi ga matasa", "Tsaro a garuruwanmu"],
           "sensational": ["Ku yi hattara! Suna so su sace zaɓenku"],
           "action": ["Zaɓi {name}", "{name} don {place}"],
           "titles": ["Manufofinmu", "Kalli bidiyon"]},
    "yo": {"calm": ["Ìbò rẹ ni ohùn rẹ", "Iṣẹ́ fún àwọn ọ̀dọ́", "Ẹ jẹ́ ká kọ́ ìlú wa papọ̀"],
           "sensational": ["Ẹ ṣọ́ra! Wọ́n fẹ́ jí ìbò yín"],
           "action": ["Dìbò fún {name}", "{name} fún {place}"],
           "titles": ["Èròngbà wa", "Wo fídíò náà"]},
    "en": {"calm": ["Your vote is your voice. Register before the deadline.",
                    "Jobs for young people, power for every home.",
                    "Stand with us against corruption.", "Free basic education for every child.",
                    "Clean water and safe roads for our communities."],
           "sensational": ["SHOCKING: what they don't want you to know about the election!",
                           "They are planning to rig the vote. Share before it's deleted!",
                           "Traitors exposed! The leaked video they are hiding"],
           "action": ["Vote {name}", "{name} for {place}"],
           "titles": ["Read our manifesto", "Watch the full video", "Find your polling station"]},
    "id": {"calm": ["Suaramu menentukan masa depan bangsa", "Lapangan kerja untuk generasi muda",
                    "Harga sembako murah untuk rakyat", "Lawan korupsi bersama kami"],
           "sensational": ["AWAS! Mereka ingin mencuri suara Anda, sebarkan sekarang!",
                           "Fakta mengejutkan yang disembunyikan media"],
           "action": ["Pilih {name}", "{name} untuk {place}"],
           "titles": ["Visi dan misi kami", "Tonton video lengkap"]},
    "tl": {"calm": ["Ang boto mo ay boses mo", "Trabaho para sa kabataan", "Labanan ang korapsyon"],
           "sensational": ["BABALA! Nanakawin nila ang boto mo, i-share na!"],
           "action": ["Iboto si {name}", "{name} para sa {place}"],
           "titles": ["Ang aming plataporma", "Panoorin ang buong video"]},
    "zu": {"calm": ["Ivoti lakho yizwi lakho", "Imisebenzi yentsha"],
           "sensational": ["Qaphela! Bafuna ukweba ivoti lakho"],
           "action": ["Votela u-{name}", "{name} e-{place}"],
           "titles": ["Izinhloso zethu"]},
    "es": {"calm": ["Tu voto decide el futuro de México", "Seguridad para nuestras colonias",
                    "Empleo y salud para todas las familias"],
           "sensational": ["¡URGENTE! Lo que los medios no quieren que sepas",
                           "¡Quieren robar la elección! Compártelo antes de que lo borren"],
           "action": ["Vota por {name}", "{name} por {place}"],
           "titles": ["Conoce nuestras propuestas", "Mira el video completo"]},
}

# Short descriptions under a link, per language.
DESCRIPTIONS: dict[str, str] = {
    "bn": "বিস্তারিত জানতে ক্লিক করুন", "pt": "Clique e saiba mais", "hi": "अधिक जानकारी के लिए क्लिक करें",
    "ur": "مزید جاننے کے لیے کلک کریں", "sw": "Bofya kujua zaidi", "ha": "Danna don ƙarin bayani",
    "yo": "Tẹ ibí fún àlàyé síi", "en": "Click to learn more", "id": "Klik untuk selengkapnya",
    "tl": "I-click para sa higit pa", "zu": "Chofoza ukuze wazi okwengeziwe", "es": "Haz clic para saber más",
}
