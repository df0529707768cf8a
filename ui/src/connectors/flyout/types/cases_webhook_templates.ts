// Kept apart from the form customization so that it can be tested without the UI's components.

/** Kibana's form checks: each template holds the variables its request needs. */
export function templateProblems(config: Record<string, unknown>): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const text = (field: string) => (typeof config[field] === 'string' ? (config[field] as string) : '');
  const lacking = (field: string, variables: string[]) => {
    const missing = variables.filter((v) => !text(field).includes(v));
    if (missing.length > 0) problems.push({ path: field, message: `Missing required variable${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` });
  };
  for (const field of ['createIncidentJson', 'updateIncidentJson']) if (text(field)) lacking(field, ['{{{case.title}}}', '{{{case.description}}}']);
  if (config.getIncidentMethod !== 'post' && text('getIncidentUrl')) lacking('getIncidentUrl', ['{{{external.system.id}}}']);
  const view = text('viewIncidentUrl');
  if (view && !view.includes('{{{external.system.id}}}') && !view.includes('{{{external.system.title}}}')) {
    problems.push({ path: 'viewIncidentUrl', message: 'Missing required variables: {{{external.system.id}}}, {{{external.system.title}}}' });
  }
  if (text('createCommentJson')) lacking('createCommentJson', ['{{{case.comment}}}']);
  if (text('createCommentJson') && !text('createCommentUrl')) problems.push({ path: 'createCommentUrl', message: 'Create comment URL is required.' });
  if (text('createCommentUrl') && !text('createCommentJson')) problems.push({ path: 'createCommentJson', message: 'Create comment Json is required.' });
  return problems;
}
