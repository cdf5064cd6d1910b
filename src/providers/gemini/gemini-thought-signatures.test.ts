import { fixtureBytes, geminiTranslator, translate, USER } from './__fixtures__/fixture-support';
import { DUMMY_THOUGHT_SIGNATURE, signCurrentTurn, signatureEndpoint, thoughtSignatureFor, withThoughtSignature } from './gemini-thought-signatures';
import type { GeminiContent, GeminiPart } from './gemini-types';

const SIGNATURE = 'CiIB+Khc7oTz/fN0Q2V4YW1wbGUgc2lnbmF0dXJlAA==';

describe('thought signatures in tool-call ids', () => {
  test('encoded as base64url behind the endpoint tag and read back exactly', () => {
    const id = withThoughtSignature('call_abc_3', SIGNATURE, 'gemini');
    expect(id).toBe('call_abc_3__ts_gemini_CiIB-Khc7oTz_fN0Q2V4YW1wbGUgc2lnbmF0dXJlAA');
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(thoughtSignatureFor(id, 'gemini')).toBe(SIGNATURE);
  });

  test('padding is restored for every length', () => {
    for (const signature of ['QQ==', 'QUI=', 'QUJD', 'c2lnbmF0dXJl']) {
      expect(thoughtSignatureFor(withThoughtSignature('call_x_0', signature, 'gemini'), 'gemini')).toBe(signature);
    }
  });

  test('a signature from another endpoint becomes the documented dummy', () => {
    const id = withThoughtSignature('call_abc_0', SIGNATURE, 'vertex');
    expect(thoughtSignatureFor(id, 'gemini')).toBe(DUMMY_THOUGHT_SIGNATURE);
    expect(DUMMY_THOUGHT_SIGNATURE).toBe('skip_thought_signature_validator');
  });

  test('ids without a signature, and ids the gateway did not make, carry none', () => {
    expect(thoughtSignatureFor('call_abc_0', 'gemini')).toBeUndefined();
    expect(thoughtSignatureFor('toolu_01A09q90qw90lq917835lq9', 'gemini')).toBeUndefined();
    expect(thoughtSignatureFor('call_xyz__ts_gemini_QUJD', 'gemini')).toBeUndefined();
  });

  test('no, empty or non-base64 signatures leave the id alone', () => {
    expect(withThoughtSignature('call_a_0', undefined, 'gemini')).toBe('call_a_0');
    expect(withThoughtSignature('call_a_0', '', 'gemini')).toBe('call_a_0');
    expect(withThoughtSignature('call_a_0', 'not base64!', 'gemini')).toBe('call_a_0');
    expect(withThoughtSignature('call_a_0', 42, 'gemini')).toBe('call_a_0');
  });

  test('the endpoint tag is the backend kind in lowercase letters', () => {
    expect(signatureEndpoint('gemini')).toBe('gemini');
    expect(signatureEndpoint('vertex')).toBe('vertex');
  });
});

describe('round trip through an OpenAI client', () => {
  /** The assistant message of a translated response, echoed back with tool results as an OpenAI client does. */
  function followUp(): object {
    const response = JSON.parse(geminiTranslator({ model: 'gemini-flash', messages: [USER] }).responseBody(fixtureBytes('tool-use.gemini-response.json'), true).toString('utf8')) as {
      choices: Array<{ message: { tool_calls: Array<{ id: string }> } }>;
    };
    const message = response.choices[0].message;
    return {
      model: 'gemini-flash',
      messages: [USER, message, ...message.tool_calls.map((call) => ({ role: 'tool', tool_call_id: call.id, content: 'ok' }))],
    };
  }

  test('the signature Gemini sent goes back on the same call, and only there', () => {
    const json = translate(followUp()).json as { contents: Array<{ role: string; parts: object[] }> };
    expect(json.contents[1]).toEqual({
      role: 'model',
      parts: [
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE },
        { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
        { functionCall: { name: 'get_time', args: {} } },
      ],
    });
  });
});

describe('signCurrentTurn: the dummy where Gemini 3 needs a signature and the history has none', () => {
  const call = (name: string, thoughtSignature?: string): GeminiPart => ({ functionCall: { name, args: {} }, ...(thoughtSignature ? { thoughtSignature } : {}) });
  const response = (name: string): GeminiPart => ({ functionResponse: { name, response: { content: 'ok' } } });

  it("signs the first call of each model step since the user's last own message, and only those", () => {
    const contents: GeminiContent[] = [
      { role: 'user', parts: [{ text: 'Plan a trip' }] },
      { role: 'model', parts: [call('old')] },
      { role: 'user', parts: [response('old')] },
      { role: 'user', parts: [{ text: 'Now Paris and Rome' }] },
      { role: 'model', parts: [{ text: 'Checking.' }, call('weather'), call('weather')] },
      { role: 'user', parts: [response('weather'), response('weather')] },
      { role: 'model', parts: [call('hotel', 'c2ln')] },
      { role: 'user', parts: [response('hotel')] },
      { role: 'model', parts: [call('train')] },
    ].map(({ role, parts }) => ({ role: role as GeminiContent['role'], parts }));
    expect(signCurrentTurn(contents)).toBe(2);
    expect(contents[1].parts).toEqual([call('old')]);
    expect(contents[4].parts).toEqual([{ text: 'Checking.' }, call('weather', DUMMY_THOUGHT_SIGNATURE), call('weather')]);
    expect(contents[6].parts).toEqual([call('hotel', 'c2ln')]);
    expect(contents[8].parts).toEqual([call('train', DUMMY_THOUGHT_SIGNATURE)]);
  });

  it('changes nothing in a history without calls', () => {
    const contents: GeminiContent[] = [{ role: 'user', parts: [{ text: 'Hi' }] }, { role: 'model', parts: [{ text: 'Hello' }] }];
    expect(signCurrentTurn(contents)).toBe(0);
    expect(contents).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }, { role: 'model', parts: [{ text: 'Hello' }] }]);
  });
});
