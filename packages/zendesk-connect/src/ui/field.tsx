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
      <label htmlFor={id} className="zc:label">
        {label}
      </label>
      <input
        id={id}
        name={name}
        className="zc:input"
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      {hint ? (
        <p id={`${id}-hint`} className="zc:mt-1 zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={`${id}-error`} className="zc:field-error">
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
        className="zc:rounded-md zc:border zc:border-red-300 zc:bg-red-50 zc:px-3 zc:py-2 zc:text-sm zc:text-red-800 zc:dark:border-red-900 zc:dark:bg-red-950 zc:dark:text-red-200"
      >
        {error}
        {helpHref ? (
          <>
            {" "}
            <a className="zc:font-medium zc:underline zc:underline-offset-2" href={helpHref}>
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
        className="zc:rounded-md zc:border zc:border-emerald-300 zc:bg-emerald-50 zc:px-3 zc:py-2 zc:text-sm zc:text-emerald-900 zc:dark:border-emerald-900 zc:dark:bg-emerald-950 zc:dark:text-emerald-200"
      >
        {message}
      </p>
    );
  return null;
}
