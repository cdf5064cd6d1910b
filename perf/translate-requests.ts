/**
 * The request bodies of the translation benchmark: one realistic ~10 KB chat request
 * (system prompt, multi-turn history with a tool call and its result, two tools), written
 * once in OpenAI's Chat Completions shape and once in Anthropic's Messages shape. The text is
 * generated from a fixed word list and seed, so every run translates the same bytes.
 */

const WORDS = (
  'the gateway request response model provider token stream latency budget retry backend ' +
  'cluster region account invoice customer order shipment warehouse delivery weather forecast ' +
  'temperature humidity wind morning evening report summary detail because however therefore ' +
  'which would could should about after before during between through across quickly carefully ' +
  'usually rarely always never small large recent older important simple complex clear'
).split(' ');

/** Deterministic prose: `count` words from the list, sentences of 8–15 words. */
export function prose(count: number, seed: number): string {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    // xorshift32: fast, deterministic, good enough to vary the words.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const out: string[] = [];
  let sentence = 0;
  let length = 8 + (next() % 8);
  for (let i = 0; i < count; i++) {
    let word = WORDS[next() % WORDS.length];
    if (sentence === 0) word = word[0].toUpperCase() + word.slice(1);
    sentence++;
    if (sentence === length || i === count - 1) {
      word += '.';
      sentence = 0;
      length = 8 + (next() % 8);
    }
    out.push(word);
  }
  return out.join(' ');
}

const SYSTEM = `You are the support assistant of an online shop. ${prose(230, 1)}`;
const WEATHER_ARGS = { location: 'Lisbon, Portugal', unit: 'celsius' };
const WEATHER_RESULT = { location: 'Lisbon, Portugal', temperature: 21, unit: 'celsius', conditions: 'partly cloudy', wind_kph: 14, humidity: 0.61 };
const SEARCH_PARAMETERS = {
  type: 'object',
  properties: {
    query: { type: 'string', description: 'What to look for in the order and shipping documentation.' },
    max_results: { type: 'integer', minimum: 1, maximum: 20, description: 'How many passages to return.' },
    filters: {
      type: 'object',
      properties: { region: { type: 'string', enum: ['eu', 'us', 'apac'] }, after: { type: 'string', format: 'date' } },
    },
  },
  required: ['query'],
};
const WEATHER_PARAMETERS = {
  type: 'object',
  properties: {
    location: { type: 'string', description: 'City and country, e.g. Lisbon, Portugal' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
  },
  required: ['location'],
};
const TOOLS = [
  { name: 'get_weather', description: 'Current weather for a location, for delivery planning.', parameters: WEATHER_PARAMETERS },
  { name: 'search_docs', description: 'Searches the order, shipping and returns documentation.', parameters: SEARCH_PARAMETERS },
];

/** The conversation both shapes carry: (user, assistant) text turns before the tool call. */
const TURNS: Array<[string, string]> = [
  [prose(60, 2), prose(170, 3)],
  [prose(45, 4), prose(190, 5)],
  [prose(50, 6), prose(150, 7)],
];
const TOOL_QUESTION = `What is the weather in Lisbon for tomorrow's delivery? ${prose(30, 8)}`;
const TOOL_CALL_ID = 'call_Qx7bT2mZk9LwP4nR8sVd1Fa3';
const FINAL_ANSWER = prose(120, 9);
const LAST_QUESTION = `Thanks. ${prose(70, 10)}`;

/** The OpenAI Chat Completions request (~10 KB). */
export function openAIChatRequest(model: string, stream: boolean): Record<string, unknown> {
  const messages: unknown[] = [{ role: 'system', content: SYSTEM }];
  for (const [user, assistant] of TURNS) messages.push({ role: 'user', content: user }, { role: 'assistant', content: assistant });
  messages.push(
    { role: 'user', content: TOOL_QUESTION },
    { role: 'assistant', content: null, tool_calls: [{ id: TOOL_CALL_ID, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(WEATHER_ARGS) } }] },
    { role: 'tool', tool_call_id: TOOL_CALL_ID, content: JSON.stringify(WEATHER_RESULT) },
    { role: 'assistant', content: FINAL_ANSWER },
    { role: 'user', content: LAST_QUESTION },
  );
  return {
    model,
    messages,
    tools: TOOLS.map((tool) => ({ type: 'function', function: tool })),
    tool_choice: 'auto',
    temperature: 0.4,
    max_tokens: 1024,
    ...(stream ? { stream: true } : {}),
  };
}

/** The same conversation as an Anthropic Messages request. */
export function anthropicMessagesRequest(model: string, stream: boolean): Record<string, unknown> {
  const messages: unknown[] = [];
  for (const [user, assistant] of TURNS) messages.push({ role: 'user', content: user }, { role: 'assistant', content: assistant });
  messages.push(
    { role: 'user', content: TOOL_QUESTION },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01Qx7bT2mZk9LwP4nR8sVd1F', name: 'get_weather', input: WEATHER_ARGS }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01Qx7bT2mZk9LwP4nR8sVd1F', content: JSON.stringify(WEATHER_RESULT) }] },
    { role: 'assistant', content: FINAL_ANSWER },
    { role: 'user', content: LAST_QUESTION },
  );
  return {
    model,
    system: SYSTEM,
    messages,
    tools: TOOLS.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters })),
    tool_choice: { type: 'auto' },
    temperature: 0.4,
    max_tokens: 1024,
    ...(stream ? { stream: true } : {}),
  };
}
