import { describe, expect, it } from 'vitest';
import { templateProblems as problems } from './cases_webhook_templates.js';

describe('the Webhook - Case Management form', () => {
  it("says which template lacks a variable its request needs, in Kibana's words", () => {
    const good = {
      createIncidentJson: '{"s":{{{case.title}}},"d":{{{case.description}}}}',
      updateIncidentJson: '{"s":{{{case.title}}},"d":{{{case.description}}}}',
      getIncidentUrl: 'https://x.example/{{{external.system.id}}}',
      viewIncidentUrl: 'https://x.example/browse/{{{external.system.title}}}',
      createCommentUrl: 'https://x.example/{{{external.system.id}}}/comment',
      createCommentJson: '{"body":{{{case.comment}}}}',
    };
    expect(problems(good)).toEqual([]);
    expect(
      problems({ ...good, createIncidentJson: '{}', updateIncidentJson: '{"s":{{{case.title}}}}', getIncidentUrl: 'https://x.example/issue', viewIncidentUrl: 'https://x.example', createCommentJson: '{"body":"x"}' }),
    ).toEqual([
      { path: 'createIncidentJson', message: 'Missing required variables: {{{case.title}}}, {{{case.description}}}' },
      { path: 'updateIncidentJson', message: 'Missing required variable: {{{case.description}}}' },
      { path: 'getIncidentUrl', message: 'Missing required variable: {{{external.system.id}}}' },
      { path: 'viewIncidentUrl', message: 'Missing required variables: {{{external.system.id}}}, {{{external.system.title}}}' },
      { path: 'createCommentJson', message: 'Missing required variable: {{{case.comment}}}' },
    ]);
    // A POST get request names the case in its object instead.
    expect(problems({ ...good, getIncidentMethod: 'post', getIncidentUrl: 'https://x.example/search' })).toEqual([]);
    expect(problems({ ...good, createCommentUrl: null })).toEqual([{ path: 'createCommentUrl', message: 'Create comment URL is required.' }]);
    expect(problems({ ...good, createCommentJson: '' })).toEqual([{ path: 'createCommentJson', message: 'Create comment Json is required.' }]);
  });
});
