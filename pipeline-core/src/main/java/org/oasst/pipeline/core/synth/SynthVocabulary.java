package org.oasst.pipeline.core.synth;

/**
 * Word lists for generated texts. Each language gets its own small vocabulary in its own script so
 * that language shares are visible in the text; a toxic vocabulary (shared by all languages, in four
 * flavors) is mixed in at a rate that rises with the message's hidden toxicity, so that a text model
 * can learn toxicity from the words. The toxic words are deliberately tame stand-ins.
 */
final class SynthVocabulary {
  private SynthVocabulary() {}

  /** Languages and their share of trees (OASST1 all-export shares, rounded; see docs/synth.md). */
  static final String[] LANGS = {
    "en", "es", "ru", "de", "zh", "fr", "pt-BR", "th", "ca", "uk-UA", "it", "ja", "pl", "vi", "eu",
    "hu", "nl", "sv", "ko", "fi", "cs", "da", "id", "ar", "tr", "el", "he", "gl", "fa", "bg", "ro",
    "nb", "sk", "eo", "bn"
  };

  static final double[] LANG_WEIGHTS = {
    0.440, 0.220, 0.085, 0.037, 0.036, 0.031, 0.025, 0.020, 0.018, 0.012, 0.010, 0.009, 0.007, 0.006,
    0.005, 0.004, 0.004, 0.004, 0.003, 0.003, 0.003, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002,
    0.002, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001
  };

  /** Languages written without spaces between words. */
  static boolean noSpaces(String lang) {
    return lang.equals("zh") || lang.equals("ja") || lang.equals("th");
  }

  static String[] words(String lang) {
    switch (lang) {
      case "en":
        return EN;
      case "es":
        return ES;
      case "ru":
        return RU;
      case "de":
        return DE;
      case "zh":
        return ZH;
      case "fr":
        return FR;
      case "pt-BR":
        return PT;
      case "th":
        return TH;
      case "ca":
        return CA;
      case "uk-UA":
        return UK;
      case "it":
        return IT;
      case "ja":
        return JA;
      case "pl":
        return PL;
      case "ko":
        return KO;
      case "ar":
      case "fa":
        return AR;
      case "he":
        return HE;
      case "el":
        return EL;
      case "bg":
        return RU;
      default:
        return LATIN_TAIL;
    }
  }

  static final String[] EN = {
    "the", "a", "to", "and", "of", "in", "is", "you", "that", "it", "for", "can", "how", "what",
    "would", "model", "answer", "question", "example", "data", "write", "python", "function", "story",
    "explain", "best", "people", "time", "because", "however", "important", "also", "use", "make",
    "there", "this", "with", "about", "help", "please", "recipe", "history", "language", "world",
    "computer", "science", "music", "health", "simple", "difference", "between", "should", "could"
  };
  static final String[] ES = {
    "el", "la", "de", "que", "y", "en", "un", "una", "es", "por", "para", "cómo", "qué", "más",
    "también", "información", "pregunta", "ejemplo", "explicación", "año", "niño", "corazón", "música",
    "ciencia", "historia", "puedes", "ayuda", "mejor", "está", "sí", "días", "según", "además"
  };
  static final String[] RU = {
    "и", "в", "не", "на", "что", "как", "это", "для", "можно", "пример", "вопрос", "ответ", "язык",
    "программа", "история", "человек", "время", "почему", "лучше", "объясни", "пожалуйста", "также",
    "данные", "функция", "мир", "музыка", "здоровье", "разница", "между"
  };
  static final String[] DE = {
    "der", "die", "das", "und", "ist", "nicht", "wie", "für", "über", "können", "Frage", "Antwort",
    "Beispiel", "Größe", "Straße", "Mädchen", "schön", "müssen", "Geschichte", "Sprache", "Zeit",
    "erklären", "bitte", "außerdem", "wichtig", "Menschen", "Daten", "Funktion"
  };
  static final String[] ZH = {
    "我", "你", "是", "的", "在", "有", "这个", "问题", "回答", "例子", "可以", "如何", "为什么", "语言",
    "历史", "科学", "音乐", "健康", "数据", "函数", "请", "解释", "世界", "人们", "时间", "重要", "因为"
  };
  static final String[] FR = {
    "le", "la", "les", "de", "et", "à", "est", "pour", "être", "très", "déjà", "où", "français",
    "réponse", "question", "exemple", "histoire", "façon", "élève", "café", "peut", "comment",
    "pourquoi", "aussi", "données", "fonction", "monde", "santé", "musique"
  };
  static final String[] PT = {
    "o", "a", "de", "que", "e", "do", "da", "em", "um", "para", "é", "não", "você", "também", "ação",
    "informação", "coração", "pergunta", "resposta", "exemplo", "história", "ciência", "música",
    "saúde", "como", "porquê", "além", "dados", "função", "mundo"
  };
  static final String[] TH = {
    "ฉัน", "คุณ", "เป็น", "ที่", "และ", "ใน", "มี", "คำถาม", "คำตอบ", "ตัวอย่าง", "อย่างไร", "ทำไม",
    "ภาษา", "ประวัติศาสตร์", "วิทยาศาสตร์", "ดนตรี", "สุขภาพ", "ข้อมูล", "กรุณา", "อธิบาย", "โลก"
  };
  static final String[] CA = {
    "el", "la", "de", "que", "i", "en", "és", "per", "amb", "però", "també", "què", "com", "pregunta",
    "resposta", "exemple", "història", "ciència", "música", "salut", "món", "llengua", "això", "més"
  };
  static final String[] UK = {
    "і", "в", "не", "на", "що", "як", "це", "для", "можна", "приклад", "питання", "відповідь", "мова",
    "програма", "історія", "людина", "час", "чому", "краще", "поясни", "будь", "ласка", "їжа",
    "світ", "здоров'я", "дані"
  };
  static final String[] IT = {
    "il", "la", "di", "che", "e", "è", "per", "un", "una", "perché", "città", "più", "già", "domanda",
    "risposta", "esempio", "storia", "scienza", "musica", "salute", "mondo", "lingua", "però", "così"
  };
  static final String[] JA = {
    "私", "あなた", "です", "これは", "の", "に", "を", "が", "質問", "答え", "例", "どうやって", "なぜ",
    "言語", "歴史", "科学", "音楽", "健康", "データ", "関数", "説明してください", "世界", "時間", "重要"
  };
  static final String[] PL = {
    "i", "w", "nie", "na", "że", "jak", "to", "dla", "można", "przykład", "pytanie", "odpowiedź",
    "język", "historia", "człowiek", "czas", "dlaczego", "lepiej", "wyjaśnij", "proszę", "także",
    "dane", "funkcja", "świat", "zdrowie", "muzyka", "różnica", "między", "źródło", "łatwo"
  };
  static final String[] KO = {
    "나는", "당신은", "이것은", "질문", "대답", "예시", "어떻게", "왜", "언어", "역사", "과학", "음악",
    "건강", "데이터", "함수", "설명해", "주세요", "세계", "시간", "중요한"
  };
  static final String[] AR = {
    "في", "من", "على", "هذا", "كيف", "لماذا", "سؤال", "جواب", "مثال", "اللغة", "التاريخ", "العلم",
    "الموسيقى", "الصحة", "البيانات", "العالم", "الوقت", "مهم", "من فضلك", "اشرح"
  };
  static final String[] HE = {
    "של", "את", "על", "זה", "איך", "למה", "שאלה", "תשובה", "דוגמה", "שפה", "היסטוריה", "מדע", "מוזיקה",
    "בריאות", "נתונים", "עולם", "זמן", "חשוב", "בבקשה", "הסבר"
  };
  static final String[] EL = {
    "και", "το", "η", "ο", "να", "για", "πώς", "γιατί", "ερώτηση", "απάντηση", "παράδειγμα", "γλώσσα",
    "ιστορία", "επιστήμη", "μουσική", "υγεία", "δεδομένα", "κόσμος", "χρόνος", "σημαντικό"
  };
  /** A pan-European stand-in for the small languages: Latin script with their diacritics. */
  static final String[] LATIN_TAIL = {
    "và", "của", "một", "được", "không", "és", "hogy", "egy", "nem", "een", "het", "niet", "och",
    "att", "är", "för", "ja", "että", "ei", "je", "že", "být", "og", "det", "er", "yang", "dan",
    "bir", "için", "çok", "ve", "eta", "da", "bat", "ez", "dhe", "estas", "ĉu", "și", "pentru", "ďalší"
  };

  /** Toxic stand-ins by flavor: generic insult, hate, sexual, violent. */
  static final String[][] TOXIC = {
    {"idiot", "stupid", "moron", "dumb", "loser", "pathetic", "worthless", "shut up", "clown"},
    {"vermin", "subhuman", "inferior", "parasites", "filthy", "go back", "those people", "degenerate"},
    {"lewd", "nsfw", "horny", "nude", "explicit", "xxx", "naughty", "porn"},
    {"kill", "stab", "beat you", "destroy", "punch", "shoot", "burn it down", "bleed"}
  };

  /** Every toxic stand-in, for tests and analyses that look for them. */
  static final String[] TOXIC_ALL = {
    "idiot", "stupid", "moron", "dumb", "loser", "pathetic", "worthless", "shut up", "clown",
    "vermin", "subhuman", "inferior", "parasites", "filthy", "go back", "those people", "degenerate",
    "lewd", "nsfw", "horny", "nude", "explicit", "xxx", "naughty", "porn", "kill", "stab", "beat you",
    "destroy", "punch", "shoot", "burn it down", "bleed"
  };

  /** Small insertions that exercise JSON escaping and unicode handling. */
  static final String[] SPICE = {
    "\"quoted\"", "C:\\Users\\name", "\\n", "😊", "🚀", "👍", "naïve", "Ωmega", "½", "→", "—", "'single'",
    "e.g.", "`code`", "tab\there", "日本", "€5", "100%", "<b>", "&amp;", "x²"
  };

  static final String[] MODEL_NAMES = {
    "oasst-sft-1-pythia-12b", "oasst-sft-4-pythia-12b-epoch-3.5", "chip20b", "llama-30b-sft-6",
    "oasst-rlhf-2-llama-30b"
  };
}
