// Interface strings in the widget's three languages. Facility names and
// category labels come from the API; everything else is here.
export const LANGS = ['zh-Hans', 'zh-Hant', 'en'];

export const LANG_NAMES = { 'zh-Hans': '简体中文', 'zh-Hant': '繁體中文', en: 'English' };

export const MESSAGES = {
  'zh-Hans': {
    title: (place, min) => `${place} · ${min}分钟生活圈`,
    language: '语言',
    map: '地图',
    loading: '正在加载…',
    failed: '数据加载失败：',
    summary: (n, min) => `步行${min}分钟内有 ${n} 处设施`,
    coverage: '生活圈配套',
    coverageScore: (met, total) => `必备设施：${met} / ${total} 类达到标准要求的步行距离`,
    reachable: '达标',
    missing: '未达标',
    none: '无',
    legend: '图例与筛选',
    list: '设施列表（按步行时间）',
    walk: (m) => `步行约 ${m} 分钟`,
    minutes: (m) => `${m} 分钟`,
    openNow: '营业中',
    closedNow: '已打烊',
    hoursUnknown: '营业时间未知',
    hours: '开放时间',
    address: '地址',
    category: '类别',
    empty: '步行范围内没有设施',
    source: '数据来源',
    show: (label) => `显示 ${label}`,
  },
  'zh-Hant': {
    title: (place, min) => `${place} · ${min}分鐘生活圈`,
    language: '語言',
    map: '地圖',
    loading: '正在載入…',
    failed: '資料載入失敗：',
    summary: (n, min) => `步行${min}分鐘內有 ${n} 處設施`,
    coverage: '生活圈配套',
    coverageScore: (met, total) => `必備設施：${met} / ${total} 類達到標準要求的步行距離`,
    reachable: '達標',
    missing: '未達標',
    none: '無',
    legend: '圖例與篩選',
    list: '設施列表（按步行時間）',
    walk: (m) => `步行約 ${m} 分鐘`,
    minutes: (m) => `${m} 分鐘`,
    openNow: '營業中',
    closedNow: '已打烊',
    hoursUnknown: '營業時間未知',
    hours: '開放時間',
    address: '地址',
    category: '類別',
    empty: '步行範圍內沒有設施',
    source: '資料來源',
    show: (label) => `顯示 ${label}`,
  },
  en: {
    title: (place, min) => `${place} · ${min}-minute life circle`,
    language: 'Language',
    map: 'Map',
    loading: 'Loading…',
    failed: 'Could not load the data: ',
    summary: (n, min) => `${n} facilities within a ${min}-minute walk`,
    coverage: 'Life-circle coverage',
    coverageScore: (met, total) => `Required services: ${met} of ${total} meet the standard`,
    reachable: 'Met',
    missing: 'Not within the standard\'s walk',
    none: 'none',
    legend: 'Legend and filters',
    list: 'Facilities by walking time',
    walk: (m) => `about ${m} min walk`,
    minutes: (m) => `${m} min`,
    openNow: 'Open now',
    closedNow: 'Closed now',
    hoursUnknown: 'Opening hours unknown',
    hours: 'Opening hours',
    address: 'Address',
    category: 'Category',
    empty: 'No facilities within walking reach',
    source: 'Data',
    show: (label) => `Show ${label}`,
  },
};

// Category groups: a colour and a glyph per language, for markers and the
// legend.
export const GROUPS = {
  education: { color: '#1f6fb4', glyph: { 'zh-Hans': '学', 'zh-Hant': '學', en: 'E' } },
  health: { color: '#d62728', glyph: { 'zh-Hans': '医', 'zh-Hant': '醫', en: '+' } },
  elderly: { color: '#8c564b', glyph: { 'zh-Hans': '老', 'zh-Hant': '老', en: 'A' } },
  culture: { color: '#9467bd', glyph: { 'zh-Hans': '文', 'zh-Hant': '文', en: 'C' } },
  sport: { color: '#2ca02c', glyph: { 'zh-Hans': '体', 'zh-Hant': '體', en: 'S' } },
  administration: { color: '#555555', glyph: { 'zh-Hans': '政', 'zh-Hant': '政', en: 'G' } },
  commerce: { color: '#e377c2', glyph: { 'zh-Hans': '商', 'zh-Hant': '商', en: '$' } },
  municipal: { color: '#7f7f7f', glyph: { 'zh-Hans': '市', 'zh-Hant': '市', en: 'U' } },
  community: { color: '#d4a017', glyph: { 'zh-Hans': '社', 'zh-Hant': '社', en: 'H' } },
  transport: { color: '#17becf', glyph: { 'zh-Hans': '交', 'zh-Hant': '交', en: 'T' } },
  children: { color: '#ff7f0e', glyph: { 'zh-Hans': '童', 'zh-Hant': '童', en: 'K' } },
  livelihood: { color: '#bcbd22', glyph: { 'zh-Hans': '生', 'zh-Hant': '生', en: 'L' } },
};

export function groupStyle(group, lang) {
  const g = GROUPS[group] || { color: '#444444', glyph: {} };
  return { color: g.color, glyph: g.glyph[lang] || '·' };
}

// pick returns the text of a [{lang, value}] list in lang, falling back to
// fallback (a facility's primary name), then to Simplified Chinese.
export function pick(texts, lang, fallback) {
  const by = (l) => (texts || []).find((t) => t.lang === l);
  const hit = by(lang);
  if (hit) return hit.value;
  if (fallback) return fallback;
  const hans = by('zh-Hans');
  return hans ? hans.value : '';
}
