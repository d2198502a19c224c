/** A labelled input with its error message wired to aria-describedby. Server or client. */
export function Field({
  name,
  label,
  errors,
  hint,
  ...input
}: {
  name: string;
  label: string;
  errors?: string[];
  hint?: React.ReactNode;
} & React.InputHTMLAttributes<HTMLInputElement>) {
  const id = `field-${name}`;
  const describedBy = [hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      <input
        id={id}
        name={name}
        className="input"
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={`${id}-error`} className="field-error">
          {errors[0]}
        </p>
      ) : null}
    </div>
  );
}

/** A form-level message announced to screen readers. */
export function FormMessage({ error, message, helpHref }: { error?: string; message?: string; helpHref?: string }) {
  if (error)
    return (
      <p
        role="alert"
        className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
      >
        {error}
        {helpHref ? (
          <>
            {" "}
            <a className="font-medium underline underline-offset-2" href={helpHref}>
              Learn how to fix this
            </a>
          </>
        ) : null}
      </p>
    );
  if (message)
    return (
      <p
        role="status"
        className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"
      >
        {message}
      </p>
    );
  return null;
}
