// The API reference at /docs, rendered from the node's own OpenAPI document
// (/v1/openapi.json), so it always describes the running node: operations grouped by tag with
// their parameters, request bodies and responses, and every schema with its properties.
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading } from '../components/ui.jsx';
import { t } from '../lib/i18n.js';

const refName = (ref) => ref.split('/').pop();

function Md({ text }) {
  // Backticked spans as code; everything else as plain text (no HTML from the document).
  if (!text) return null;
  const parts = String(text).split(/(`[^`]+`)/);
  return <p>{parts.map((p, i) => (p.startsWith('`') ? <code key={i}>{p.slice(1, -1)}</code> : p))}</p>;
}

function SchemaLink({ schema }) {
  if (!schema) return null;
  if (schema.$ref) return <a href={'#schema-' + refName(schema.$ref)} onClick={(e) => jump(e, refName(schema.$ref))}>{refName(schema.$ref)}</a>;
  if (schema.oneOf) return <span>{schema.oneOf.map((s, i) => <span key={i}>{i > 0 && ' | '}<SchemaLink schema={s} /></span>)}</span>;
  if (schema.type === 'array') return <span>[<SchemaLink schema={schema.items} />]</span>;
  return <code>{schema.type || 'object'}</code>;
}

function jump(e, name) {
  e.preventDefault();
  const el = document.getElementById('schema-' + name);
  if (el) {
    el.scrollIntoView();
    el.focus();
  }
}

function Operation({ path, method, op }) {
  const body = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
  return (
    <details class="op" id={'op-' + op.operationId}>
      <summary><span class={'method method-' + method}>{method.toUpperCase()}</span> <code>{path}</code> — {op.summary}</summary>
      <Md text={op.description} />
      {op.parameters && op.parameters.length > 0 && (
        <table>
          <caption>{t('docs.parameters')}</caption>
          <thead><tr><th scope="col">{t('name')}</th><th scope="col">{t('docs.in')}</th><th scope="col">{t('type')}</th><th scope="col">{t('docs.description')}</th></tr></thead>
          <tbody>
            {op.parameters.map((p) => (
              <tr key={p.name + p.in}><td><code>{p.name}</code>{p.required && ' *'}</td><td>{p.in}</td>
                <td><SchemaLink schema={p.schema} /></td><td>{p.description}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      {body && <p>{t('docs.body')}: <SchemaLink schema={body.schema} /></p>}
      <table>
        <caption>{t('docs.responses')}</caption>
        <tbody>
          {Object.entries(op.responses || {}).map(([code, r]) => (
            <tr key={code}><th scope="row">{code}</th><td>{r.description}{' '}
              {r.content && r.content['application/json'] && <SchemaLink schema={r.content['application/json'].schema} />}</td></tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

export function ApiDocs() {
  const [doc, setDoc] = useState(null);
  const [error, setError] = useState(null);
  const [filter, setFilter] = useState('');
  useEffect(() => {
    fetch('/v1/openapi.json').then((r) => r.json()).then(setDoc, (e) => setError({ code: 'docs.load', message: String(e) }));
  }, []);
  if (error) return <ErrorBox error={error} />;
  if (!doc) return <Loading res={{ loading: true }} />;
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item))
      if (op && op.operationId) ops.push({ path, method, op });
  const f = filter.toLowerCase();
  const shown = ops.filter((o) => !f || (o.path + ' ' + o.op.summary).toLowerCase().includes(f));
  const schemas = Object.entries(doc.components.schemas)
    .filter(([name]) => !f || name.toLowerCase().includes(f));
  return (
    <div class="docs">
      <h1>{doc.info.title} <span class="muted">{doc.info.version}</span></h1>
      <Md text={doc.info.description} />
      <p><a href="/v1/openapi.json">openapi.json</a> · {t('docs.count', { ops: ops.length, schemas: Object.keys(doc.components.schemas).length })}</p>
      <label>{t('docs.filter')}<input type="search" value={filter} onInput={(e) => setFilter(e.target.value)} /></label>
      {doc.tags.map((tag) => {
        const list = shown.filter((o) => (o.op.tags || [])[0] === tag.name);
        if (list.length === 0) return null;
        return (
          <section key={tag.name} aria-labelledby={'tag-' + tag.name}>
            <h2 id={'tag-' + tag.name}>{tag.name}</h2>
            <Md text={tag.description} />
            {list.map((o) => <Operation key={o.method + o.path} {...o} />)}
          </section>
        );
      })}
      <section aria-labelledby="schemas-h">
        <h2 id="schemas-h">{t('docs.schemas')}</h2>
        {schemas.map(([name, s]) => (
          <details key={name} id={'schema-' + name} tabIndex="-1" class="schema">
            <summary><code>{name}</code></summary>
            <Md text={s.description} />
            {s.properties && (
              <table>
                <tbody>
                  {Object.entries(s.properties).map(([p, ps]) => (
                    <tr key={p}><th scope="row"><code>{p}</code>{(s.required || []).includes(p) && ' *'}</th>
                      <td><SchemaLink schema={ps} /></td><td>{ps.description}</td></tr>
                  ))}
                </tbody>
              </table>
            )}
          </details>
        ))}
      </section>
    </div>
  );
}
